import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { trainings, type TrainingRow } from './table.ts';

/** A plot type's training runs, newest first. */
export async function trainingsOf(db: Db, plotType: string, limit = 200): Promise<TrainingRow[]> {
  return db
    .select()
    .from(trainings)
    .where(eq(trainings.plotType, plotType))
    .orderBy(desc(trainings.requestedAt))
    .limit(limit);
}

/** One training run, or null. */
export async function trainingRow(db: Db, trainingId: string): Promise<TrainingRow | null> {
  const [row] = await db.select().from(trainings).where(eq(trainings.trainingId, trainingId));
  return row ?? null;
}

/** The latest training of a plot type a requester (e.g. `sustain`) asked for, or null. */
export async function lastTrainingRequestedBy(
  db: Db,
  plotType: string,
  requester: string,
): Promise<TrainingRow | null> {
  const [row] = await db
    .select()
    .from(trainings)
    .where(and(eq(trainings.plotType, plotType), eq(trainings.requester, requester)))
    .orderBy(desc(trainings.requestedAt))
    .limit(1);
  return row ?? null;
}
