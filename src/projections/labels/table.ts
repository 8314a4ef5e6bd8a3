import { index, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime } from '../../db/columns.ts';

/** The current human label of each image (the latest assignment wins; a retraction removes it). */
export const labels = mysqlTable(
  'labels',
  {
    imageId: varchar('image_id', { length: 64 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    label: varchar('label', { length: 128 }).notNull(),
    user: varchar('user', { length: 100 }).notNull(),
    comment: text('comment'),
    labelledAt: isoDatetime('labelled_at').notNull(),
  },
  (t) => [index('labels_plot_type_label').on(t.plotType, t.label)],
);
export type LabelRow = typeof labels.$inferSelect;
