import { and, asc, count, desc, eq, gte, inArray, isNotNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import type { PlotStatusRow } from '../plot-status/table.ts';
import { OUTCOME, problemsOf } from '../../verdicts/semantics.ts';
import { verdicts, type VerdictRow } from './table.ts';

/** The verdicts read model's queries: one arrival's verdict, a plot type's history, the Log, the Timeline. */

/** An arrival's verdict; given an image id instead, its latest arrival's (links made before arrivals had ids). */
export async function verdictOf(db: Db, id: string): Promise<VerdictRow | null> {
  const [row] = await db.select().from(verdicts).where(eq(verdicts.arrivalId, id));
  if (row) return row;
  const [latest] = await db
    .select()
    .from(verdicts)
    .where(eq(verdicts.imageId, id))
    .orderBy(desc(verdicts.at), desc(verdicts.arrivalId))
    .limit(1);
  return latest ?? null;
}

export type HistoryPoint = Pick<
  VerdictRow,
  | 'arrivalId'
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

export const HISTORY = 48;

/** A plot type's latest decisions, newest first. */
export async function recentDecisions(db: Db, plotType: string, limit = HISTORY): Promise<HistoryPoint[]> {
  return db
    .select({
      arrivalId: verdicts.arrivalId,
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
    .where(and(eq(verdicts.plotType, plotType), isNotNull(verdicts.decidedAt)))
    .orderBy(desc(verdicts.at))
    .limit(limit);
}

export type LogKind = 'all' | 'bad' | 'unconfirmed';

/** A resolved Log filter: a time window and/or a run range, some plot types, which problems. */
export interface LogFilter {
  readonly from?: string;
  readonly to?: string;
  readonly runFrom?: number;
  readonly runTo?: number;
  readonly detector?: string;
  readonly plot?: string;
  readonly kind: LogKind;
  readonly page: number;
}

export const PAGE_SIZE = 100;

export interface LogEntry {
  readonly arrivalId: string;
  readonly imageId: string;
  readonly plotType: string;
  /** The image's time (arrival). */
  readonly at: string;
  readonly outcome: string;
  readonly verdict: string | null;
  readonly confidence: number | null;
  readonly run: number | null;
  readonly chunk: number | null;
}

export interface LogSummary {
  readonly plotType: string;
  readonly total: number;
  readonly unconfirmed: number;
  readonly first: string | null;
  readonly last: string | null;
}

/**
 * Confirmed Bad and Unconfirmed verdicts: the outcome IN (...) ranges on (outcome, at) touch only
 * problem rows; which labels are a problem is per plot type, so a label that is bad for one plot type and
 * fine for another is checked pairwise.
 */
function where(f: LogFilter, plots: readonly PlotStatusRow[]): SQL | undefined {
  const chosen = plots.filter((p) => (!f.detector || p.detector === f.detector) && (!f.plot || p.plotType === f.plot));
  const pairs = chosen.flatMap((p) => [...problemsOf(p.labels)].map((name) => `${p.plotType}|${name}`));
  const badNames = [...new Set(pairs.map((x) => x.slice(x.indexOf('|') + 1)))];
  const outcomes = [...(f.kind !== 'unconfirmed' ? badNames : []), ...(f.kind !== 'bad' ? [OUTCOME.unconfirmed] : [])];
  if (outcomes.length === 0 || chosen.length === 0) return sql`FALSE`;
  const conds: (SQL | undefined)[] = [inArray(verdicts.outcome, outcomes)];
  if (f.kind !== 'unconfirmed') {
    conds.push(
      pairs.length
        ? or(
            eq(verdicts.outcome, OUTCOME.unconfirmed),
            inArray(sql`CONCAT(${verdicts.plotType}, '|', ${verdicts.outcome})`, pairs),
          )
        : eq(verdicts.outcome, OUTCOME.unconfirmed),
    );
  }
  if (f.detector || f.plot)
    conds.push(
      inArray(
        verdicts.plotType,
        chosen.map((p) => p.plotType),
      ),
    );
  if (f.from) conds.push(gte(verdicts.at, f.from));
  if (f.to) conds.push(lt(verdicts.at, f.to));
  if (f.runFrom !== undefined) conds.push(gte(verdicts.run, f.runFrom));
  if (f.runTo !== undefined) conds.push(lte(verdicts.run, f.runTo));
  return and(...conds);
}

/**
 * One page of entries in two steps: the page's ids from the index alone (filter and order are all in
 * (outcome, at, plot_type) + the primary key), then only those rows: a month of a year's history stays fast.
 */
async function page(db: Db, w: SQL | undefined, n: number): Promise<LogEntry[]> {
  const ids = await db
    .select({ arrivalId: verdicts.arrivalId })
    .from(verdicts)
    .where(w)
    .orderBy(desc(verdicts.at), desc(verdicts.arrivalId))
    .limit(PAGE_SIZE)
    .offset((n - 1) * PAGE_SIZE);
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      arrivalId: verdicts.arrivalId,
      imageId: verdicts.imageId,
      plotType: verdicts.plotType,
      at: verdicts.at,
      outcome: verdicts.outcome,
      verdict: verdicts.verdict,
      confidence: verdicts.confidence,
      run: verdicts.run,
      chunk: verdicts.chunk,
    })
    .from(verdicts)
    .where(
      inArray(
        verdicts.arrivalId,
        ids.map((r) => r.arrivalId),
      ),
    );
  const order = new Map(ids.map((r, i) => [r.arrivalId, i]));
  return rows.sort((a, b) => order.get(a.arrivalId)! - order.get(b.arrivalId)!);
}

/** The problems a Log filter selects: one page of them, how many in all, and a summary per plot type. */
export async function problemVerdicts(
  db: Db,
  f: LogFilter,
  plots: readonly PlotStatusRow[],
): Promise<{ entries: LogEntry[]; total: number; summary: LogSummary[] }> {
  const w = where(f, plots);
  const [entries, totals, summary] = await Promise.all([
    page(db, w, f.page),
    db.select({ n: count() }).from(verdicts).where(w),
    db
      .select({
        plotType: verdicts.plotType,
        total: count(),
        unconfirmed: sql<number>`SUM(${verdicts.outcome} = ${OUTCOME.unconfirmed})`.mapWith(Number),
        first: sql<string | null>`MIN(${verdicts.at})`.mapWith(verdicts.at),
        last: sql<string | null>`MAX(${verdicts.at})`.mapWith(verdicts.at),
      })
      .from(verdicts)
      .where(w)
      .groupBy(verdicts.plotType),
  ]);
  return { entries, total: totals[0]?.n ?? 0, summary };
}

export interface RawPoint {
  readonly arrivalId: string;
  readonly imageId: string;
  readonly at: string;
  readonly outcome: string;
  readonly verdict: string | null;
  readonly confirmed: boolean | null;
  readonly scores: Record<string, number> | null;
  readonly run: number | null;
  readonly chunk: number | null;
}

/** A plot type's classified arrivals between `from` and `to` (ISO), oldest first, at most `limit`. */
export async function scorePoints(
  db: Db,
  plotType: string,
  from: string,
  to: string,
  limit: number,
): Promise<RawPoint[]> {
  return db
    .select({
      arrivalId: verdicts.arrivalId,
      imageId: verdicts.imageId,
      at: verdicts.at,
      outcome: verdicts.outcome,
      verdict: verdicts.verdict,
      confirmed: verdicts.confirmed,
      scores: verdicts.scores,
      run: verdicts.run,
      chunk: verdicts.chunk,
    })
    .from(verdicts)
    .where(
      and(eq(verdicts.plotType, plotType), gte(verdicts.at, from), lte(verdicts.at, to), isNotNull(verdicts.scores)),
    )
    .orderBy(asc(verdicts.at))
    .limit(limit);
}

/**
 * A model's verdicts on a plot type, the first it gave (`first`, oldest first) or its latest (newest first): what
 * the loop's drift signals compare (src/sustain/evidence.ts).
 */
export async function verdictsOfModel(
  db: Db,
  plotType: string,
  modelId: string,
  opts: { which: 'first' | 'latest'; limit: number },
): Promise<{ arrivalId: string; verdict: string; confidence: number | null }[]> {
  const rows = await db
    .select({ arrivalId: verdicts.arrivalId, verdict: verdicts.verdict, confidence: verdicts.confidence })
    .from(verdicts)
    .where(and(eq(verdicts.plotType, plotType), eq(verdicts.modelId, modelId), isNotNull(verdicts.verdict)))
    .orderBy(
      ...(opts.which === 'first' ? [asc(verdicts.at), asc(verdicts.seq)] : [desc(verdicts.at), desc(verdicts.seq)]),
    )
    .limit(opts.limit);
  return rows.map((r) => ({ arrivalId: r.arrivalId, verdict: r.verdict!, confidence: r.confidence }));
}

/** Which arrivals a backfill judges: a plot type's, of a run range and/or time range, observed up to `upTo`. */
export interface ArrivalRange {
  readonly plotType: string;
  readonly runFrom?: number;
  readonly runTo?: number;
  /** Arrival times from (included) to (excluded). */
  readonly from?: string;
  readonly to?: string;
  readonly upTo: string;
  readonly limit: number;
}

export type RangeArrival = Pick<
  VerdictRow,
  'arrivalId' | 'imageId' | 'run' | 'at' | 'outcome' | 'modelId' | 'verdict' | 'confidence' | 'confirmed'
>;

/** The arrivals of a range with the verdict each has, earliest first (ties by arrival id): the same list every time. */
export async function arrivalsInRange(db: Db, r: ArrivalRange): Promise<RangeArrival[]> {
  const conditions: SQL[] = [eq(verdicts.plotType, r.plotType), lte(verdicts.at, r.upTo)];
  if (r.runFrom !== undefined) conditions.push(gte(verdicts.run, r.runFrom));
  if (r.runTo !== undefined) conditions.push(lte(verdicts.run, r.runTo));
  if (r.from !== undefined) conditions.push(gte(verdicts.at, r.from));
  if (r.to !== undefined) conditions.push(lt(verdicts.at, r.to));
  return db
    .select({
      arrivalId: verdicts.arrivalId,
      imageId: verdicts.imageId,
      run: verdicts.run,
      at: verdicts.at,
      outcome: verdicts.outcome,
      modelId: verdicts.modelId,
      verdict: verdicts.verdict,
      confidence: verdicts.confidence,
      confirmed: verdicts.confirmed,
    })
    .from(verdicts)
    .where(and(...conditions))
    .orderBy(asc(verdicts.at), asc(verdicts.arrivalId))
    .limit(r.limit);
}
