import { BACKFILL_BATCH, type BackfillPair, type BackfillVerdict } from '../events/backfill.ts';
import type { EventData } from '../events/catalog.ts';
import type { Verdict } from '../inference/classify.ts';
import type { RangeArrival } from '../projections/verdicts/queries.ts';
import { outcomeOf } from '../verdicts/semantics.ts';

/** A backfill's decisions, pure: its id, its event ids, its batches, each verdict beside the one it had, the summary. */

export type BackfillRequest = EventData<'backfill.requested'>;

export function newBackfillId(plotType: string, now: Date, random: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `bf-${plotType.slice(0, 90)}-${stamp}-${random.slice(0, 6)}`;
}

/** Event ids derived from the request: a redelivered request appends nothing it appended before. */
export const backfillEventIds = {
  requested: (id: string) => `backfill.requested:${id}`,
  started: (id: string) => `backfill.started:${id}`,
  batch: (id: string, offset: number) => `backfill.verdicts:${id}:${offset}`,
  /** One id for completed and failed: a backfill has one outcome. */
  outcome: (id: string) => `backfill.outcome:${id}`,
};

/** The batches of a choice of `total` arrivals from `offset` on (where a restarted backfill resumes). */
export function batchesOf(total: number, offset = 0, size = BACKFILL_BATCH): { offset: number; size: number }[] {
  const out: { offset: number; size: number }[] = [];
  for (let o = offset; o < total; o += size) out.push({ offset: o, size: Math.min(size, total - o) });
  return out;
}

/** The arrival's verdict when the backfill judged it, as backfill.verdicts records it. */
export function hadOf(a: RangeArrival): BackfillVerdict['had'] {
  if (a.verdict === null || a.confirmed === null || a.confidence === null) return { outcome: a.outcome };
  return {
    outcome: a.outcome,
    ...(a.modelId ? { modelId: a.modelId } : {}),
    verdict: a.verdict,
    confidence: a.confidence,
    confirmed: a.confirmed,
  };
}

/** The backfill's verdict on each arrival whose image the model judged (others were unreadable), in order. */
export function judgedBatch(
  arrivals: readonly RangeArrival[],
  verdicts: ReadonlyMap<string, Verdict>,
): BackfillVerdict[] {
  return arrivals.flatMap((a) => {
    const v = verdicts.get(a.imageId);
    if (!v) return [];
    return [
      {
        arrivalId: a.arrivalId,
        imageId: a.imageId,
        ...(a.run !== null ? { run: a.run } : {}),
        at: a.at,
        verdict: v.verdict,
        confidence: v.confidence,
        confirmed: v.confirmed,
        scores: { ...v.scores },
        had: hadOf(a),
      },
    ];
  });
}

export type BackfillSummary = Omit<
  EventData<'backfill.completed'>,
  'backfillId' | 'plotType' | 'modelId' | 'durationSeconds'
>;

/**
 * How a backfill's verdicts compare with those the arrivals had: judged, unreadable (of the total), compared (had a
 * verdict), agreed (same outcome: label and confirmation), changed (outcome differs, a missing verdict included), and
 * each (had → now) pair with its count, most frequent first. An arrival recorded twice (a redelivered batch) counts once.
 */
export function summarize(total: number, verdicts: Iterable<BackfillVerdict>): BackfillSummary {
  const seen = new Map<string, BackfillVerdict>();
  for (const v of verdicts) if (!seen.has(v.arrivalId)) seen.set(v.arrivalId, v);
  let compared = 0;
  let agreed = 0;
  let changed = 0;
  const pairs = new Map<string, BackfillPair>();
  for (const v of seen.values()) {
    const now = outcomeOf(v);
    const had = v.had.outcome;
    if (v.had.verdict !== undefined) {
      compared++;
      if (now === had) agreed++;
    }
    if (now !== had) changed++;
    const key = `${had}\n${now}`;
    const p = pairs.get(key);
    pairs.set(key, { had, now, count: (p?.count ?? 0) + 1 });
  }
  const sorted = [...pairs.values()].sort(
    (a, b) => b.count - a.count || a.had.localeCompare(b.had) || a.now.localeCompare(b.now),
  );
  return {
    total,
    judged: seen.size,
    unreadable: Math.max(0, total - seen.size),
    compared,
    agreed,
    changed,
    pairs: sorted.slice(0, 1000),
  };
}

/** A backfill's range in words: "runs 71000–71010", "2026-11-26T10:00Z – …", or both. */
export function rangeText(r: {
  runFrom?: number | null;
  runTo?: number | null;
  from?: string | null;
  to?: string | null;
}): string {
  const parts: string[] = [];
  if (r.runFrom !== undefined && r.runFrom !== null) parts.push(`runs ${r.runFrom}–${r.runTo}`);
  if (r.from) parts.push(`${r.from} to ${r.to}`);
  return parts.join(', ');
}
