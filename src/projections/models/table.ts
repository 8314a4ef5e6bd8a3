import { index, mysqlTable, varchar, text, int } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';
import type { Evaluation, TrainingParameters } from '../../events/training.ts';

export type ModelStatus = 'trained' | 'signed-off' | 'active' | 'retired';

/** The model registry: every model of every plot type, its evaluation and where it stands. */
export const models = mysqlTable(
  'models',
  {
    modelId: varchar('model_id', { length: 128 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    status: varchar('status', { length: 16 }).$type<ModelStatus>().notNull(),
    origin: varchar('origin', { length: 16 }).$type<'trained' | 'imported'>().notNull(),
    onnx: varchar('onnx', { length: 64 }).notNull(),
    labels: jsonText<string[]>('labels').notNull(),
    input: jsonText<{ width: number; height: number; channels: number }>('input').notNull(),
    thresholds: jsonText<Record<string, number>>('thresholds').notNull(),
    evaluation: jsonText<Evaluation | null>('evaluation'),
    parameters: jsonText<TrainingParameters | null>('parameters'),
    trainingId: varchar('training_id', { length: 128 }),
    datasetSize: int('dataset_size'),
    signedOffBy: varchar('signed_off_by', { length: 100 }),
    signOffComment: text('sign_off_comment'),
    signedOffAt: isoDatetime('signed_off_at'),
    /** The active model this one replaced when it was activated last: where a rollback goes back to. */
    replacedModelId: varchar('replaced_model_id', { length: 128 }),
    activatedBy: varchar('activated_by', { length: 100 }),
    createdAt: isoDatetime('created_at').notNull(),
    activatedAt: isoDatetime('activated_at'),
    retiredAt: isoDatetime('retired_at'),
    retiredBy: varchar('retired_by', { length: 100 }),
  },
  (t) => [index('models_plot_type_status').on(t.plotType, t.status)],
);
export type ModelRow = typeof models.$inferSelect;
