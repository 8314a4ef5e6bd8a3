import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import type { HydraEvent } from '../../events/catalog.ts';
import { readAtOneCheckpoint } from '../checkpoints.ts';
import { projectionCheckpoints } from '../runtime/tables.ts';
import { labelQueueProjection } from './projection.ts';
import { labelHistory, labelQueue, type LabelHistoryRow, type LabelQueueRow } from './table.ts';

/** The pool or a transaction: what a query reads through. */
type Reader = Pick<Db, 'select'>;

/** The Labeler's queues of a plot type: the unbiased sample, confirmed Bad, Unconfirmed, flagged unsure, or every image. */
export const QUEUES = ['unbiased', 'bad', 'unconfirmed', 'unsure', 'all'] as const;
export type QueueName = (typeof QUEUES)[number];

/** Where a page starts: after this image in the queue's order. */
export interface QueueCursor {
  readonly at: string;
  readonly imageId: string;
}

export interface QueueFilter {
  readonly plotType: string;
  readonly queue: QueueName;
  /** Whose images: nobody's yet (the default queues), labelled ones only (the editor), or any. */
  readonly labelled: 'unlabelled' | 'labelled' | 'any';
  readonly order: 'newest' | 'oldest';
  readonly runFrom?: number;
  readonly runTo?: number;
  /** Arrival window, UTC ISO. */
  readonly from?: string;
  readonly to?: string;
  /** The model's verdict (label name), or `(unconfirmed)` for verdicts under their threshold. */
  readonly verdict?: string;
  /** The current human label; `(none)` for unlabelled images. */
  readonly label?: string;
  readonly after?: QueueCursor;
  readonly limit: number;
}

const inQueue = (q: QueueName): SQL | undefined =>
  q === 'all' ? undefined : q === 'unsure' ? eq(labelQueue.unsure, true) : eq(labelQueue[q], true);

function conditions(f: QueueFilter): SQL | undefined {
  const c = labelQueue;
  const newest = f.order === 'newest';
  return and(
    eq(c.plotType, f.plotType),
    inQueue(f.queue),
    f.labelled === 'any' ? undefined : eq(c.labelled, f.labelled === 'labelled'),
    f.runFrom !== undefined ? gte(c.run, f.runFrom) : undefined,
    f.runTo !== undefined ? lte(c.run, f.runTo) : undefined,
    f.from ? gte(c.at, f.from) : undefined,
    f.to ? lt(c.at, f.to) : undefined,
    f.verdict === '(unconfirmed)'
      ? eq(c.confirmed, false)
      : f.verdict
        ? and(eq(c.verdict, f.verdict), eq(c.confirmed, true))
        : undefined,
    f.label === '(none)' ? isNull(c.label) : f.label ? eq(c.label, f.label) : undefined,
    f.after
      ? or(
          (newest ? lt : gt)(c.at, f.after.at),
          and(eq(c.at, f.after.at), (newest ? lt : gt)(c.imageId, f.after.imageId)),
        )
      : undefined,
  );
}

/** Arrival times compared as instants (the table's and the filter's texts may differ in form). */
const ms = (iso: string) => Date.parse(iso);

/** Whether a row is in the filter's view, as `conditions` says in SQL (the cursor left out unless `cursor`). Pure. */
export function matchesFilter(f: QueueFilter, r: LabelQueueRow, cursor = true): boolean {
  const inQueueNamed =
    f.queue === 'all' ? true : f.queue === 'unsure' ? r.unsure : f.queue === 'unbiased' ? r.unbiased : r[f.queue];
  const verdictOk =
    f.verdict === '(unconfirmed)'
      ? r.confirmed === false
      : f.verdict
        ? r.verdict === f.verdict && r.confirmed === true
        : true;
  const labelOk = f.label === '(none)' ? r.label === null : f.label ? r.label === f.label : true;
  return (
    r.plotType === f.plotType &&
    inQueueNamed &&
    (f.labelled === 'any' || r.labelled === (f.labelled === 'labelled')) &&
    (f.runFrom === undefined || r.run >= f.runFrom) &&
    (f.runTo === undefined || r.run <= f.runTo) &&
    (!f.from || ms(r.at) >= ms(f.from)) &&
    (!f.to || ms(r.at) < ms(f.to)) &&
    verdictOk &&
    labelOk &&
    (!cursor || !f.after || inOrder(f.order, f.after, r) < 0)
  );
}

/** Negative when `a` comes before `b` in the queue's order (newest: latest arrival first; ties by image id). Pure. */
export function inOrder(order: QueueFilter['order'], a: QueueCursor, b: QueueCursor): number {
  const byTime = ms(a.at) - ms(b.at);
  const asc = byTime !== 0 ? byTime : a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0;
  return order === 'newest' ? -asc : asc;
}

export interface QueuePage {
  readonly rows: LabelQueueRow[];
  readonly more: boolean;
  /** The images of the page after this one (what the page fetches the thumbnails of ahead of time). */
  readonly following: string[];
}

/** One page of a queue in its order, whether more follow, and which images come next. */
export async function queuePage(db: Db, f: QueueFilter): Promise<QueuePage> {
  const dir = f.order === 'newest' ? desc : asc;
  const order = [dir(labelQueue.at), dir(labelQueue.imageId)];
  const rows = await db
    .select()
    .from(labelQueue)
    .where(conditions(f))
    .orderBy(...order)
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  // Only the ids of the page after: read from the queue's index alone, no row is fetched.
  const following =
    rows.length > f.limit && last
      ? await db
          .select({ imageId: labelQueue.imageId })
          .from(labelQueue)
          .where(conditions({ ...f, after: { at: last.at, imageId: last.imageId } }))
          .orderBy(...order)
          .limit(f.limit)
      : [];
  return { rows: page, more: rows.length > f.limit, following: following.map((r) => r.imageId) };
}

/** What the Labeler shows of a view: every queue's counts, the page, and how many images the view selects. */
export interface QueueView {
  readonly counts: Record<QueueName, QueueCount>;
  readonly page: QueuePage;
  readonly matching: number;
}

/** A view as the queue holds it now. */
export async function queueView(db: Db, f: QueueFilter): Promise<QueueView> {
  // The queue's counts give a plain view's size; a narrowed one is counted on its own.
  const [counts, page, counted] = await Promise.all([
    queueCounts(db, f.plotType),
    queuePage(db, f),
    countsSay(f) ? undefined : queueMatching(db, f),
  ]);
  return { counts, page, matching: counted ?? matchingOfCounts(f, counts) };
}

/** What a view reads of the queue to show an action on some images: see readForView and foldOwn. */
export interface QueueRead {
  /** The queue's checkpoint the reads were made at. */
  readonly checkpoint: number;
  /** The touched images' rows (those that have arrived). */
  readonly before: ReadonlyMap<string, LabelQueueRow>;
  readonly counts: Record<QueueName, QueueCount>;
  /** The view's first `window` rows in its order. */
  readonly rows: readonly LabelQueueRow[];
  readonly window: number;
  readonly matching: number | undefined;
}

/**
 * Reads what a view needs to show an action on these images, all as of one checkpoint: the rows of the images, the
 * counts, and the view's rows (its page and the one after it, plus room for every touched image that may leave
 * them). Read before the action appends (or while: foldOwn applies only what the read did not hold). `quickTries`:
 * how often to try the reads side by side before reading in one snapshot.
 */
export async function readForView(
  db: Db,
  f: QueueFilter,
  touched: readonly string[],
  { quickTries = 2 }: { quickTries?: number } = {},
): Promise<QueueRead> {
  const window = 2 * f.limit + touched.length + 1;
  const dir = f.order === 'newest' ? desc : asc;
  const reads = async (r: Reader) => {
    const [before, counts, rows, matching] = await Promise.all([
      queueRowsOf(r, touched),
      queueCounts(r, f.plotType),
      r
        .select()
        .from(labelQueue)
        .where(conditions(f))
        .orderBy(dir(labelQueue.at), dir(labelQueue.imageId))
        .limit(window),
      countsSay(f) ? undefined : queueMatching(r, f),
    ]);
    return { before, counts, rows, matching, window };
  };
  // Side by side on the pool as of one checkpoint; while the queue keeps moving, in one consistent snapshot.
  const quick = await readAtOneCheckpoint(db, labelQueueProjection.name, () => reads(db), quickTries);
  if (quick) return { checkpoint: quick.checkpoint, ...quick.value };
  return db.transaction(
    async (tx) => {
      const [cp] = await tx
        .select({ seq: projectionCheckpoints.seq })
        .from(projectionCheckpoints)
        .where(eq(projectionCheckpoints.name, labelQueueProjection.name));
      return { checkpoint: cp?.seq ?? 0, ...(await reads(tx)) };
    },
    // (Not `accessMode`: drizzle writes it without the comma MariaDB wants.)
    { isolationLevel: 'repeatable read', withConsistentSnapshot: true },
  );
}

/** The rows of the queue an event touches. */
function rowsOf(e: HydraEvent): readonly string[] {
  const k = labelQueueProjection.keyOf(e);
  return k === null ? [] : typeof k === 'string' ? [k] : k;
}

/** The view once the queue holds these events, from what readForView read of it (events it held are skipped). Pure. */
export function foldOwn(f: QueueFilter, read: QueueRead, own: readonly HydraEvent[]): QueueView {
  const handled = new Set<string>(labelQueueProjection.handles);
  const events = own.filter((e) => handled.has(e.type)).sort((a, b) => a.seq - b.seq);
  const after = new Map(read.before);
  for (const e of events) {
    if (e.seq <= read.checkpoint) continue;
    for (const id of rowsOf(e)) {
      const row = labelQueueProjection.evolve(after.get(id) ?? null, e, id);
      if (row) after.set(id, row);
    }
  }
  const changed = [...after].filter(([id, row]) => read.before.get(id) !== row);
  // Counts: each changed row's old contribution out, its new one in.
  const counts = Object.fromEntries(
    QUEUES.map((q) => {
      let { total, unlabelled } = read.counts[q];
      // What a queue's count counts: the plot type's images in that queue, labelled or not.
      const bare: QueueFilter = { plotType: f.plotType, queue: q, labelled: 'any', order: f.order, limit: f.limit };
      for (const [id, row] of changed) {
        const old = read.before.get(id);
        if (old && matchesFilter(bare, old, false)) {
          total -= 1;
          if (!old.labelled) unlabelled -= 1;
        }
        if (matchesFilter(bare, row, false)) {
          total += 1;
          if (!row.labelled) unlabelled += 1;
        }
      }
      return [q, { total, unlabelled }];
    }),
  ) as Record<QueueName, QueueCount>;
  let matching = read.matching;
  if (matching !== undefined)
    for (const [id, row] of changed) {
      const old = read.before.get(id);
      matching += Number(matchesFilter(f, row, false)) - Number(old !== undefined && matchesFilter(f, old, false));
    }
  // The rows read, each changed one replaced (or gone from the view), and changed ones entering it in order; one
  // entering beyond the last row read is left out when more rows follow it unread.
  const full = read.rows.length === read.window;
  const last = read.rows.at(-1);
  const kept = read.rows.filter((r) => !after.has(r.imageId) || read.before.get(r.imageId) === after.get(r.imageId));
  const entering = changed
    .map(([, row]) => row)
    .filter((row) => matchesFilter(f, row) && !(full && last && inOrder(f.order, last, row) < 0));
  const merged = [...kept, ...entering].sort((a, b) => inOrder(f.order, a, b));
  const page = merged.slice(0, f.limit);
  const more = merged.length > f.limit;
  return {
    counts,
    page: { rows: page, more, following: more ? merged.slice(f.limit, 2 * f.limit).map((r) => r.imageId) : [] },
    matching: matching ?? matchingOfCounts(f, counts),
  };
}

/**
 * The first plot type, in the order given, whose view holds an image (the filter each one's own, the cursor left
 * out): where the Labeler opens when no plot type is asked for. One index probe each, a few at a time, stopping at
 * the first batch that has one; undefined when none has work.
 */
export async function firstWithWork(
  db: Db,
  plotTypes: readonly string[],
  filterOf: (plotType: string) => QueueFilter,
): Promise<string | undefined> {
  for (let i = 0; i < plotTypes.length; i += 8) {
    const part = plotTypes.slice(i, i + 8);
    const found = await Promise.all(
      part.map(async (plotType) => {
        const [row] = await db
          .select({ imageId: labelQueue.imageId })
          .from(labelQueue)
          .where(conditions({ ...filterOf(plotType), after: undefined }))
          .limit(1);
        return row !== undefined;
      }),
    );
    const k = found.indexOf(true);
    if (k >= 0) return part[k];
  }
  return undefined;
}

/** How many images the filter selects in all (the cursor left out). */
export async function queueMatching(db: Reader, f: QueueFilter): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(labelQueue)
    .where(conditions({ ...f, after: undefined }));
  return Number(row?.n ?? 0);
}

/** Whether the queue's counts say how many images the filter selects: nothing narrows it but the queue and whose. */
export function countsSay(f: QueueFilter): boolean {
  return (
    f.runFrom === undefined &&
    f.runTo === undefined &&
    f.from === undefined &&
    f.to === undefined &&
    f.verdict === undefined &&
    f.label === undefined
  );
}

/** How many images a filter the counts speak for selects (see countsSay): the page then needs no count of its own. */
export function matchingOfCounts(f: QueueFilter, counts: Record<QueueName, QueueCount>): number {
  const c = counts[f.queue];
  return f.labelled === 'unlabelled' ? c.unlabelled : f.labelled === 'any' ? c.total : c.total - c.unlabelled;
}

export interface QueueCount {
  readonly total: number;
  readonly unlabelled: number;
}

/** Every queue's size and how much of it nobody has labelled yet, for one plot type (each from its index). */
export async function queueCounts(db: Reader, plotType: string): Promise<Record<QueueName, QueueCount>> {
  const counts = await Promise.all(
    QUEUES.map(async (q) => {
      const [row] = await db
        .select({
          total: sql<number>`count(*)`,
          unlabelled: sql<number>`coalesce(sum(case when ${labelQueue.labelled} then 0 else 1 end), 0)`,
        })
        .from(labelQueue)
        .where(and(eq(labelQueue.plotType, plotType), inQueue(q)));
      return [q, { total: Number(row?.total ?? 0), unlabelled: Number(row?.unlabelled ?? 0) }] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<QueueName, QueueCount>;
}

/** The queue rows of these images (those that have arrived). */
export async function queueRowsOf(db: Reader, imageIds: readonly string[]): Promise<Map<string, LabelQueueRow>> {
  const out = new Map<string, LabelQueueRow>();
  for (let i = 0; i < imageIds.length; i += 500) {
    const part = imageIds.slice(i, i + 500);
    if (part.length === 0) continue;
    for (const r of await db.select().from(labelQueue).where(inArray(labelQueue.imageId, part))) out.set(r.imageId, r);
  }
  return out;
}

/** The images whose current label came with this apply. */
export async function labelledInBatch(db: Db, batch: string): Promise<LabelQueueRow[]> {
  return db.select().from(labelQueue).where(eq(labelQueue.batch, batch));
}

/** Everything people did about one image, oldest first. */
export async function labelHistoryOf(db: Db, imageId: string): Promise<LabelHistoryRow[]> {
  return db
    .select()
    .from(labelHistory)
    .where(eq(labelHistory.imageId, imageId))
    .orderBy(asc(labelHistory.at), asc(sql`cast(${labelHistory.seq} as unsigned)`));
}

/** The label events of these images in stream order, per image (what an undo replays to find the label before). */
export async function labelStepsOf(db: Db, imageIds: readonly string[]): Promise<Map<string, LabelHistoryRow[]>> {
  const out = new Map<string, LabelHistoryRow[]>();
  for (let i = 0; i < imageIds.length; i += 500) {
    const part = imageIds.slice(i, i + 500);
    if (part.length === 0) continue;
    const rows = await db
      .select()
      .from(labelHistory)
      .where(and(inArray(labelHistory.imageId, part), inArray(labelHistory.kind, ['assigned', 'retracted'])))
      .orderBy(asc(sql`cast(${labelHistory.seq} as unsigned)`));
    for (const r of rows) out.set(r.imageId, [...(out.get(r.imageId) ?? []), r]);
  }
  return out;
}

/** An unbiased sample an expert labelled, with the verdict it got and the model that gave it. */
export type UnbiasedLabelled = Pick<LabelQueueRow, 'imageId' | 'at' | 'label' | 'labelledAt' | 'verdict' | 'modelId'>;

/**
 * The latest `limit` labelled unbiased samples of a plot type whose verdict this model gave, by arrival, newest
 * first; with `labelledAfter`, only those labelled after it (none can have been in a training set built before).
 */
export async function unbiasedLabelled(
  db: Db,
  plotType: string,
  opts: { modelId: string; limit: number; labelledAfter?: string },
): Promise<UnbiasedLabelled[]> {
  const c = labelQueue;
  return db
    .select({
      imageId: c.imageId,
      at: c.at,
      label: c.label,
      labelledAt: c.labelledAt,
      verdict: c.verdict,
      modelId: c.modelId,
    })
    .from(c)
    .where(
      and(
        eq(c.plotType, plotType),
        eq(c.unbiased, true),
        eq(c.labelled, true),
        isNotNull(c.verdict),
        eq(c.modelId, opts.modelId),
        opts.labelledAfter ? gt(c.labelledAt, opts.labelledAfter) : undefined,
      ),
    )
    .orderBy(desc(c.at), desc(c.imageId))
    .limit(opts.limit);
}

/** How many unbiased samples of a plot type wait for a label, and when the oldest of them arrived. */
export async function unbiasedWaiting(db: Db, plotType: string): Promise<{ count: number; oldest: string | null }> {
  const c = labelQueue;
  const where = and(eq(c.plotType, plotType), eq(c.unbiased, true), eq(c.labelled, false));
  const [row] = await db.select({ n: sql<number>`count(*)` }).from(c).where(where);
  const [first] = await db.select({ at: c.at }).from(c).where(where).orderBy(asc(c.at)).limit(1);
  return { count: Number(row?.n ?? 0), oldest: first?.at ?? null };
}
