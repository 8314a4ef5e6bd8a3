import type { Db } from '../../db/connection.ts';
import { plotStatusOf } from '../../projections/plot-status/queries.ts';
import type { PlotStatusRow } from '../../projections/plot-status/table.ts';
import { recentDecisions, verdictOf, type HistoryPoint } from '../../projections/verdicts/queries.ts';
import type { VerdictRow } from '../../projections/verdicts/table.ts';

export { HISTORY, type HistoryPoint } from '../../projections/verdicts/queries.ts';

export interface ImageDetail {
  readonly image: VerdictRow;
  readonly plot: PlotStatusRow | null;
  /** The plot type's latest decisions, newest first. */
  readonly history: HistoryPoint[];
}

/** What an arrival's page shows (given an image id, its latest arrival's): its verdict, its plot type's tile and history. */
export async function loadImageDetail(db: Db, id: string): Promise<ImageDetail | null> {
  const image = await verdictOf(db, id);
  if (!image) return null;
  const [plot, history] = await Promise.all([plotStatusOf(db, image.plotType), recentDecisions(db, image.plotType)]);
  return { image, plot, history };
}
