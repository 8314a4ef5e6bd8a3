import { count, desc, gte, max } from 'drizzle-orm';
import type { Db } from '../db/connection.ts';
import { deadLetters } from './runtime/tables.ts';

/** Events a read model could not apply, parked by the projection runtime. */
export type DeadLetterRow = typeof deadLetters.$inferSelect;

/** The most recently parked events, newest first. */
export async function recentDeadLetters(db: Db, limit: number): Promise<DeadLetterRow[]> {
  return db.select().from(deadLetters).orderBy(desc(deadLetters.id)).limit(limit);
}

/** Events parked since a time, per read model, with the newest: what the Run page warns about. */
export async function deadLettersSince(
  db: Db,
  sinceIso: string,
): Promise<{ projection: string; n: number; newestAt: string | null }[]> {
  return db
    .select({ projection: deadLetters.projection, n: count(), newestAt: max(deadLetters.parkedAt) })
    .from(deadLetters)
    .where(gte(deadLetters.parkedAt, sinceIso))
    .groupBy(deadLetters.projection)
    .orderBy(deadLetters.projection);
}

/** How many events each read model has parked. */
export async function deadLetterCounts(db: Db): Promise<{ projection: string; n: number }[]> {
  return db
    .select({ projection: deadLetters.projection, n: count() })
    .from(deadLetters)
    .groupBy(deadLetters.projection);
}
