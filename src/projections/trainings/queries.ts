import { desc, eq } from 'drizzle-orm';
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
