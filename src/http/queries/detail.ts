import { and, desc, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { plotStatus, type PlotStatusRow } from '../../projections/plot-status/table.ts';
import { verdicts, type VerdictRow } from '../../projections/verdicts/table.ts';

export type HistoryPoint = Pick<
  VerdictRow,
  | 'imageId'
  | 'at'
  | 'decidedAt'
  | 'outcome'
  | 'verdict'
  | 'confidence'
  | 'confirmed'
  | 'scores'
  | 'run'
  | 'chunk'
  | 'status'
>;

export interface ImageDetail {
  readonly image: VerdictRow;
  readonly plot: PlotStatusRow | null;
  /** The plot type's latest decisions, newest first. */
  readonly history: HistoryPoint[];
}

export const HISTORY = 48;

export async function loadImageDetail(db: Db, imageId: string): Promise<ImageDetail | null> {
  const [image] = await db.select().from(verdicts).where(eq(verdicts.imageId, imageId));
  if (!image) return null;
  const [plot, history] = await Promise.all([
    db.select().from(plotStatus).where(eq(plotStatus.plotType, image.plotType)),
    db
      .select({
        imageId: verdicts.imageId,
        at: verdicts.at,
        decidedAt: verdicts.decidedAt,
        outcome: verdicts.outcome,
        verdict: verdicts.verdict,
        confidence: verdicts.confidence,
        confirmed: verdicts.confirmed,
        scores: verdicts.scores,
        run: verdicts.run,
        chunk: verdicts.chunk,
        status: verdicts.status,
      })
      .from(verdicts)
      .where(and(eq(verdicts.plotType, image.plotType), isNotNull(verdicts.decidedAt)))
      .orderBy(desc(verdicts.at))
      .limit(HISTORY),
  ]);
  return { image, plot: plot[0] ?? null, history };
}
