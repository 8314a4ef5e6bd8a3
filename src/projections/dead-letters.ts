import { count, desc } from 'drizzle-orm';
import type { Db } from '../db/connection.ts';
import { deadLetters } from './runtime/tables.ts';

/** Events a read model could not apply, parked by the projection runtime. */
export type DeadLetterRow = typeof deadLetters.$inferSelect;

/** The most recently parked events, newest first. */
export async function recentDeadLetters(db: Db, limit: number): Promise<DeadLetterRow[]> {
  return db.select().from(deadLetters).orderBy(desc(deadLetters.id)).limit(limit);
}

/** How many events each read model has parked. */
export async function deadLetterCounts(db: Db): Promise<{ projection: string; n: number }[]> {
  return db
    .select({ projection: deadLetters.projection, n: count() })
    .from(deadLetters)
    .groupBy(deadLetters.projection);
}
