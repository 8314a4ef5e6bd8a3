import { and, asc, count, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { backfills, backfillVerdicts, type BackfillRow, type BackfillVerdictRow } from './table.ts';

/** One backfill, or null. */
export async function backfillRow(db: Db, backfillId: string): Promise<BackfillRow | null> {
  const [row] = await db.select().from(backfills).where(eq(backfills.backfillId, backfillId));
  return row ?? null;
}

/** A plot type's backfills, newest first (the Library's list). */
export async function backfillsOf(db: Db, plotType: string, limit = 20): Promise<BackfillRow[]> {
  return db
    .select()
    .from(backfills)
    .where(eq(backfills.plotType, plotType))
    .orderBy(desc(backfills.requestedAt), desc(backfills.backfillId))
    .limit(limit);
}

/** A backfill's verdicts, the changed ones first, each group in arrival order; and how many there are. */
export async function backfillVerdictsOf(
  db: Db,
  backfillId: string,
  page: { limit: number; offset: number; changedOnly?: boolean },
): Promise<{ rows: BackfillVerdictRow[]; total: number }> {
  const where = page.changedOnly
    ? and(eq(backfillVerdicts.backfillId, backfillId), eq(backfillVerdicts.changed, true))
    : eq(backfillVerdicts.backfillId, backfillId);
  const [rows, [n]] = await Promise.all([
    db
      .select()
      .from(backfillVerdicts)
      .where(where)
      .orderBy(desc(backfillVerdicts.changed), asc(backfillVerdicts.at), asc(backfillVerdicts.arrivalId))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ n: count() }).from(backfillVerdicts).where(where),
  ]);
  return { rows, total: n?.n ?? 0 };
}
