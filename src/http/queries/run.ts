import { desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { alarms, type AlarmRow } from '../../projections/alarms/table.ts';
import { news, type NewsRow } from '../../projections/news/table.ts';
import { plotStatus, type PlotStatusRow } from '../../projections/plot-status/table.ts';

export interface RunData {
  readonly rows: PlotStatusRow[];
  readonly alarms: AlarmRow[];
  readonly news: NewsRow | null;
}

/** Everything the Run page shows: one row per plot type (81 at CLAS12), the open alarms, the banner. */
export async function loadRunData(db: Db, now: number): Promise<RunData> {
  const [rows, open, banner] = await Promise.all([
    db.select().from(plotStatus).where(eq(plotStatus.retired, false)),
    db
      .select()
      .from(alarms)
      .where(inArray(alarms.state, ['active', 'acknowledged']))
      .orderBy(desc(alarms.raisedAt))
      .limit(50),
    db.select().from(news).where(eq(news.id, 'banner')),
  ]);
  const current = banner[0] ?? null;
  const live = current && (!current.expiresAt || Date.parse(current.expiresAt) > now) ? current : null;
  return { rows, alarms: open, news: live };
}
