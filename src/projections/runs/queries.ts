import { and, asc, gte, lte } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { runs } from './table.ts';

/** Runs whose first arrival was between `from` and `to` (ISO), oldest first. */
export async function runsStartedBetween(
  db: Db,
  from: string,
  to: string,
  limit = 1000,
): Promise<{ run: number; firstArrivedAt: string }[]> {
  return db
    .select({ run: runs.run, firstArrivedAt: runs.firstArrivedAt })
    .from(runs)
    .where(and(gte(runs.firstArrivedAt, from), lte(runs.firstArrivedAt, to)))
    .orderBy(asc(runs.firstArrivedAt))
    .limit(limit);
}
