import type { Db } from '../../db/connection.ts';
import { openAlarms } from '../../projections/alarms/queries.ts';
import type { AlarmRow } from '../../projections/alarms/table.ts';
import { currentBanner } from '../../projections/news/queries.ts';
import type { NewsRow } from '../../projections/news/table.ts';
import { livePlots } from '../../projections/plot-status/queries.ts';
import type { PlotStatusRow } from '../../projections/plot-status/table.ts';

export interface RunData {
  readonly rows: PlotStatusRow[];
  readonly alarms: AlarmRow[];
  readonly news: NewsRow | null;
}

/** Everything the Run page shows: one row per plot type (81 at CLAS12), the open alarms, the banner. */
export async function loadRunData(db: Db, now: number): Promise<RunData> {
  const [rows, open, news] = await Promise.all([livePlots(db), openAlarms(db, 50), currentBanner(db, now)]);
  return { rows, alarms: open, news };
}
