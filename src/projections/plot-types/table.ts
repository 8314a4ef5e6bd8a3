import { boolean, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';
import type { PlotTypeSpec } from '../../events/plottype.ts';

/** The plot-type registry: one row per plot type, its whole configuration as JSON. */
export const plotTypes = mysqlTable('plot_types', {
  name: varchar('name', { length: 128 }).primaryKey(),
  detector: varchar('detector', { length: 64 }).notNull(),
  spec: jsonText<PlotTypeSpec>('spec').notNull(),
  retired: boolean('retired').notNull().default(false),
  revision: int('revision').notNull(),
  definedAt: isoDatetime('defined_at').notNull(),
  updatedAt: isoDatetime('updated_at').notNull(),
});
export type PlotTypeRow = typeof plotTypes.$inferSelect;
