import { bigint, index, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';

/** Every stored image and where it came from; `sampledFor` lists why it is in the labelling queue. */
export const images = mysqlTable(
  'images',
  {
    imageId: varchar('image_id', { length: 64 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    run: int('run').notNull(),
    runPeriod: varchar('run_period', { length: 64 }),
    chunk: int('chunk').notNull(),
    pad: int('pad').notNull(),
    arrivedAt: isoDatetime('arrived_at').notNull(),
    width: int('width').notNull(),
    height: int('height').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    source: varchar('source', { length: 1000 }).notNull(),
    sampledFor: jsonText<string[]>('sampled_for').notNull(),
    arrivedSeq: bigint('arrived_seq', { mode: 'number' }).notNull(),
  },
  (t) => [index('images_plot_type_arrived').on(t.plotType, t.arrivedAt), index('images_run').on(t.run, t.plotType)],
);
export type ImageRow = typeof images.$inferSelect;

/** Files that could not be taken as images, with the reason and where they were put. */
export const rejections = mysqlTable(
  'image_rejections',
  {
    rejectionId: varchar('rejection_id', { length: 128 }).primaryKey(),
    source: varchar('source', { length: 1000 }).notNull(),
    code: varchar('code', { length: 32 }).notNull(),
    reason: varchar('reason', { length: 2000 }).notNull(),
    size: bigint('size', { mode: 'number' }),
    quarantinePath: varchar('quarantine_path', { length: 2000 }),
    rejectedAt: isoDatetime('rejected_at').notNull(),
  },
  (t) => [index('image_rejections_at').on(t.rejectedAt)],
);
export type RejectionRow = typeof rejections.$inferSelect;

/** Images of plot types nobody has configured yet; a row goes when the image is finally ingested. */
export const unassigned = mysqlTable(
  'images_unassigned',
  {
    imageId: varchar('image_id', { length: 64 }).primaryKey(),
    plotName: varchar('plot_name', { length: 200 }).notNull(),
    source: varchar('source', { length: 1000 }).notNull(),
    keptPath: varchar('kept_path', { length: 2000 }).notNull(),
    arrivedAt: isoDatetime('arrived_at').notNull(),
  },
  (t) => [index('images_unassigned_plot').on(t.plotName)],
);
export type UnassignedRow = typeof unassigned.$inferSelect;
