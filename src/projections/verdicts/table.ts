import { bigint, boolean, double, index, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';

/**
 * Every arrival and what inference made of it: one row per arrival (an observation of an image: the same bytes in
 * three chunks are three rows), created on arrival ('pending') and completed by its verdict. `outcome` is the verdict label when confirmed, else one of
 * '(unconfirmed)', '(pending)', '(skipped)', '(failed)' (parentheses never occur in label names), so
 * "Bad or Unconfirmed in this window" is a few index ranges on (outcome, at).
 * Grafana and other SQL readers: `JSON_VALUE(scores, '$.Bad')` is a label's score.
 */
export const verdicts = mysqlTable(
  'verdicts',
  {
    arrivalId: varchar('arrival_id', { length: 64 }).primaryKey(),
    /** The image (content, the blob's SHA-256) this arrival brought. */
    imageId: varchar('image_id', { length: 64 }).notNull(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    run: int('run'),
    runPeriod: varchar('run_period', { length: 64 }),
    chunk: int('chunk'),
    pad: int('pad'),
    arrivedAt: isoDatetime('arrived_at'),
    /** The arrival's time: when it arrived (or, before its arrival is known, when it was decided). Pages sort and window by it. */
    at: isoDatetime('at').notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    outcome: varchar('outcome', { length: 140 }).notNull(),
    decidedAt: isoDatetime('decided_at'),
    modelId: varchar('model_id', { length: 128 }),
    verdict: varchar('verdict', { length: 128 }),
    confidence: double('confidence'),
    confirmed: boolean('confirmed'),
    scores: jsonText<Record<string, number>>('scores'),
    heatmap: varchar('heatmap', { length: 64 }),
    /** The rectangles blanked before the model saw the image (null: none). */
    masks: jsonText<{ x: number; y: number; width: number; height: number }[]>('masks'),
    reason: varchar('reason', { length: 2000 }),
    timings: jsonText<Record<string, number>>('timings'),
    worker: varchar('worker', { length: 200 }),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('verdicts_plot_at').on(t.plotType, t.at),
    // Covers the Log's filter, count and per-plot-type summary without reading rows (plot_type for the pairwise check).
    index('verdicts_outcome_at_plot').on(t.outcome, t.at, t.plotType),
    index('verdicts_run').on(t.run, t.plotType),
    index('verdicts_image').on(t.imageId, t.at),
  ],
);
export type VerdictRow = typeof verdicts.$inferSelect;
