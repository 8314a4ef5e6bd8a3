import type { Db } from '../../db/connection.ts';
import { deadLettersSince } from '../../projections/dead-letters.ts';
import { openAlarms, type OpenAlarm } from '../../projections/alarms/queries.ts';
import { currentBanner } from '../../projections/news/queries.ts';
import type { NewsRow } from '../../projections/news/table.ts';
import { livePlots } from '../../projections/plot-status/queries.ts';
import type { PlotStatusRow } from '../../projections/plot-status/table.ts';

export interface RunData {
  readonly rows: PlotStatusRow[];
  readonly alarms: OpenAlarm[];
  readonly news: NewsRow | null;
  /** Events read models parked in the last day: the pages may be missing them. */
  readonly parked: { projection: string; n: number; newestAt: string | null }[];
}

/** How far back the Run page warns about parked events (the Status page lists them all). */
export const PARKED_WARNING_MS = 24 * 3600_000;

/** Everything the Run page shows: one row per plot type (81 at CLAS12), the open alarms, the banner. */
export async function loadRunData(db: Db, now: number): Promise<RunData> {
  const [rows, open, news, parked] = await Promise.all([
    livePlots(db),
    openAlarms(db, 50),
    currentBanner(db, now),
    deadLettersSince(db, new Date(now - PARKED_WARNING_MS).toISOString()),
  ]);
  return { rows, alarms: open, news, parked };
}
