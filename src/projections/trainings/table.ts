import { index, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';
import type { EventData } from '../../events/catalog.ts';
import type { TrainingParameters } from '../../events/training.ts';

export type TrainingStatus = 'requested' | 'running' | 'completed' | 'failed';

/** One finished epoch as training.progress had it (fields the trainer adds later come along), and when. */
export type EpochRow = Omit<EventData<'training.progress'>, 'trainingId' | 'plotType'> & { readonly at: string };

/** Every training run: who asked, with what, each epoch (the Library's curve), and its outcome (the report). */
export const trainings = mysqlTable(
  'trainings',
  {
    trainingId: varchar('training_id', { length: 128 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    status: varchar('status', { length: 16 }).$type<TrainingStatus>().notNull(),
    requester: varchar('requester', { length: 100 }).notNull(),
    reason: text('reason').notNull(),
    /** The request's (null while only later events of the run are known). */
    parameters: jsonText<TrainingParameters | null>('parameters'),
    requestedAt: isoDatetime('requested_at').notNull(),
    /** By epoch, ascending; a retried run's epochs replace the earlier attempt's. */
    epochs: jsonText<EpochRow[]>('epochs').notNull(),
    modelId: varchar('model_id', { length: 128 }),
    /** training.completed's data: dataset, evaluation, frameworks, trainer, artifacts. */
    result: jsonText<EventData<'training.completed'> | null>('result'),
    failureCode: varchar('failure_code', { length: 32 }),
    failureReason: text('failure_reason'),
    finishedAt: isoDatetime('finished_at'),
  },
  (t) => [index('trainings_plot_type').on(t.plotType, t.requestedAt)],
);
export type TrainingRow = typeof trainings.$inferSelect;
