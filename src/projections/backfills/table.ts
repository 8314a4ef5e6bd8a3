import { bigint, boolean, double, index, int, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';
import type { BackfillPair } from '../../events/backfill.ts';

export type BackfillStatus = 'requested' | 'running' | 'completed' | 'failed';

/** One row per backfill (a model run over a plot type's history): the request, its progress and its summary. */
export const backfills = mysqlTable(
  'backfills',
  {
    backfillId: varchar('backfill_id', { length: 128 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    modelId: varchar('model_id', { length: 128 }).notNull(),
    requestedBy: varchar('requested_by', { length: 100 }).notNull(),
    runFrom: int('run_from'),
    runTo: int('run_to'),
    fromAt: isoDatetime('from_at'),
    toAt: isoDatetime('to_at'),
    maxImages: int('max_images').notNull(),
    status: varchar('status', { length: 16 }).$type<BackfillStatus>().notNull(),
    /** Arrivals chosen (known once started), and how many of them have been through the model. */
    total: int('total'),
    done: int('done').notNull(),
    judged: int('judged'),
    unreadable: int('unreadable'),
    compared: int('compared'),
    agreed: int('agreed'),
    changed: int('changed'),
    pairs: jsonText<BackfillPair[] | null>('pairs'),
    failureCode: varchar('failure_code', { length: 32 }),
    failureReason: text('failure_reason'),
    requestedAt: isoDatetime('requested_at').notNull(),
    startedAt: isoDatetime('started_at'),
    finishedAt: isoDatetime('finished_at'),
  },
  (t) => [index('backfills_plot').on(t.plotType, t.requestedAt), index('backfills_model').on(t.modelId)],
);
export type BackfillRow = typeof backfills.$inferSelect;

/**
 * What a backfill's model said of each arrival beside the verdict the arrival had (one row per backfill and arrival,
 * keyed `<backfillId>:<arrivalId>`). `outcome` and `had_outcome` are verdicts-table outcomes (the label when
 * confirmed, else `(unconfirmed)`, `(pending)`, `(skipped)`, `(failed)`); `changed` when they differ.
 */
export const backfillVerdicts = mysqlTable(
  'backfill_verdicts',
  {
    id: varchar('id', { length: 200 }).primaryKey(),
    backfillId: varchar('backfill_id', { length: 128 }).notNull(),
    arrivalId: varchar('arrival_id', { length: 64 }).notNull(),
    imageId: varchar('image_id', { length: 64 }).notNull(),
    run: int('run'),
    at: isoDatetime('at').notNull(),
    verdict: varchar('verdict', { length: 128 }).notNull(),
    confidence: double('confidence').notNull(),
    confirmed: boolean('confirmed').notNull(),
    outcome: varchar('outcome', { length: 140 }).notNull(),
    scores: jsonText<Record<string, number>>('scores').notNull(),
    hadOutcome: varchar('had_outcome', { length: 140 }).notNull(),
    hadModelId: varchar('had_model_id', { length: 128 }),
    hadVerdict: varchar('had_verdict', { length: 128 }),
    hadConfidence: double('had_confidence'),
    hadConfirmed: boolean('had_confirmed'),
    changed: boolean('changed').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [index('backfill_verdicts_list').on(t.backfillId, t.changed, t.at)],
);
export type BackfillVerdictRow = typeof backfillVerdicts.$inferSelect;
