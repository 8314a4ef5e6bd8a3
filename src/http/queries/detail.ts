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

/** What an image's page shows: its verdict, its plot type's tile and recent history. */
export async function loadImageDetail(db: Db, imageId: string): Promise<ImageDetail | null> {
  const image = await verdictOf(db, imageId);
  if (!image) return null;
  const [plot, history] = await Promise.all([plotStatusOf(db, image.plotType), recentDecisions(db, image.plotType)]);
  return { image, plot, history };
}
