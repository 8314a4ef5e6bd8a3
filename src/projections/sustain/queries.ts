import { and, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { sustainDecisions, type SustainDecisionRow, type SustainKind } from './table.ts';

const bySeq = desc(sql`cast(${sustainDecisions.seq} as unsigned)`);

/** A plot type's latest decision of a kind (its current assessment, its last comparison), or null. */
export async function latestDecision(db: Db, plotType: string, kind: SustainKind): Promise<SustainDecisionRow | null> {
  const [row] = await db
    .select()
    .from(sustainDecisions)
    .where(and(eq(sustainDecisions.plotType, plotType), eq(sustainDecisions.kind, kind)))
    .orderBy(desc(sustainDecisions.at), bySeq)
    .limit(1);
  return row ?? null;
}

/** A plot type's decisions, assessments and comparisons together, newest first (the pages' history). */
export async function sustainHistoryOf(db: Db, plotType: string, limit = 50): Promise<SustainDecisionRow[]> {
  return db
    .select()
    .from(sustainDecisions)
    .where(eq(sustainDecisions.plotType, plotType))
    .orderBy(desc(sustainDecisions.at), bySeq)
    .limit(limit);
}

/** The comparison made for a training (the loop compares each retrained model once), or null. */
export async function comparisonOf(db: Db, trainingId: string): Promise<SustainDecisionRow | null> {
  const [row] = await db
    .select()
    .from(sustainDecisions)
    .where(and(eq(sustainDecisions.trainingId, trainingId), eq(sustainDecisions.kind, 'compared')))
    .limit(1);
  return row ?? null;
}

/** What the pages show of the loop for a plot type: its current assessment and its decisions, newest first. */
export async function sustainOverview(
  db: Db,
  plotType: string,
  limit = 20,
): Promise<{ latest: SustainDecisionRow | null; history: SustainDecisionRow[] }> {
  const [latest, history] = await Promise.all([
    latestDecision(db, plotType, 'assessed'),
    sustainHistoryOf(db, plotType, limit),
  ]);
  return { latest, history };
}
