import { boolean, double, index, int, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime } from '../../db/columns.ts';

/**
 * The Labeler's queues: one row per stored image with what a labeller filters on. `unbiased`, `bad` and
 * `unconfirmed` say which labelling queues the image joined (`image.sampled`); the verdict is the model's,
 * the label the current human one (with who gave it, and in which apply). Each queue has an index that
 * serves "the next page of its unlabelled images, newest or oldest first" without sorting.
 */
export const labelQueue = mysqlTable(
  'label_queue',
  {
    imageId: varchar('image_id', { length: 64 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    run: int('run').notNull(),
    chunk: int('chunk').notNull(),
    pad: int('pad').notNull(),
    /** When the image arrived. */
    at: isoDatetime('at').notNull(),
    unbiased: boolean('unbiased').notNull(),
    bad: boolean('bad').notNull(),
    unconfirmed: boolean('unconfirmed').notNull(),
    verdict: varchar('verdict', { length: 128 }),
    confidence: double('confidence'),
    confirmed: boolean('confirmed'),
    /** The model that gave the verdict. */
    modelId: varchar('model_id', { length: 128 }),
    labelled: boolean('labelled').notNull(),
    label: varchar('label', { length: 128 }),
    labelUser: varchar('label_user', { length: 100 }),
    labelledAt: isoDatetime('labelled_at'),
    batch: varchar('batch', { length: 36 }),
    unsure: boolean('unsure').notNull(),
    unsureBy: varchar('unsure_by', { length: 100 }),
    comments: int('comments').notNull(),
  },
  (t) => [
    index('label_queue_all').on(t.plotType, t.labelled, t.at),
    index('label_queue_all_at').on(t.plotType, t.at),
    index('label_queue_unbiased').on(t.plotType, t.unbiased, t.labelled, t.at),
    index('label_queue_bad').on(t.plotType, t.bad, t.labelled, t.at),
    index('label_queue_unconfirmed').on(t.plotType, t.unconfirmed, t.labelled, t.at),
    index('label_queue_label').on(t.plotType, t.label, t.at),
    index('label_queue_unsure').on(t.plotType, t.unsure, t.at),
    index('label_queue_batch').on(t.batch),
  ],
);
export type LabelQueueRow = typeof labelQueue.$inferSelect;

/** Every label event of every image, for the editor's history: who labelled, withdrew, commented, when. */
export const labelHistory = mysqlTable(
  'label_history',
  {
    /** The event's stream sequence. */
    seq: varchar('seq', { length: 20 }).primaryKey(),
    imageId: varchar('image_id', { length: 64 }).notNull(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    kind: varchar('kind', { length: 16 }).notNull(),
    label: varchar('label', { length: 128 }),
    user: varchar('user', { length: 100 }).notNull(),
    comment: text('comment'),
    batch: varchar('batch', { length: 36 }),
    /** Written by an undo: the apply it took back (the label then is the one given back, or the one withdrawn). */
    undoes: varchar('undoes', { length: 36 }),
    /** Who did it (the event's metadata): differs from `user` when an undo gives back someone else's label. */
    by: varchar('by', { length: 100 }),
    at: isoDatetime('at').notNull(),
  },
  (t) => [index('label_history_image').on(t.imageId, t.at)],
);
export type LabelHistoryRow = typeof labelHistory.$inferSelect;
