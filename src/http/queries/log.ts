import type { Db } from '../../db/connection.ts';
import { allPlots } from '../../projections/plot-status/queries.ts';
import type { PlotStatusRow } from '../../projections/plot-status/table.ts';
import { problemVerdicts, type LogEntry, type LogFilter, type LogSummary } from '../../projections/verdicts/queries.ts';

export {
  PAGE_SIZE,
  type LogEntry,
  type LogFilter,
  type LogKind,
  type LogSummary,
} from '../../projections/verdicts/queries.ts';

export interface LogData {
  readonly plots: PlotStatusRow[];
  readonly entries: LogEntry[];
  readonly total: number;
  readonly summary: LogSummary[];
}

/** What the Log page shows: every plot type (for the filter) and the problems the filter selects. */
export async function loadLog(db: Db, f: LogFilter): Promise<LogData> {
  const plots = await allPlots(db);
  return { plots, ...(await problemVerdicts(db, f, plots)) };
}
