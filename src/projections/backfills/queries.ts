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

/** Which of a backfill's verdicts: all, the changed ones, or one had → now pair of outcomes. */
export interface BackfillVerdictFilter {
  readonly changedOnly?: boolean;
  readonly pair?: { readonly had: string; readonly now: string };
}

/** A backfill's verdicts, the changed ones first, each group in arrival order; and how many there are. */
export async function backfillVerdictsOf(
  db: Db,
  backfillId: string,
  page: { limit: number; offset: number } & BackfillVerdictFilter,
): Promise<{ rows: BackfillVerdictRow[]; total: number }> {
  const where = and(
    eq(backfillVerdicts.backfillId, backfillId),
    page.changedOnly ? eq(backfillVerdicts.changed, true) : undefined,
    page.pair ? eq(backfillVerdicts.hadOutcome, page.pair.had) : undefined,
    page.pair ? eq(backfillVerdicts.outcome, page.pair.now) : undefined,
  );
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
