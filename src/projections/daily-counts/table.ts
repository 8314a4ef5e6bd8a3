import { date, int, mysqlTable, varchar, index } from 'drizzle-orm/mysql-core';

/** Arrivals, images sampled and labels per plot type per UTC day: the Status page's arrivals-per-day heatmap. */
export const dailyCounts = mysqlTable(
  'daily_counts',
  {
    id: varchar('id', { length: 200 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    /** image.arrived events: every arrival, also of the same bytes again. */
    arrivals: int('arrivals').notNull(),
    sampled: int('sampled').notNull(),
    labelled: int('labelled').notNull(),
  },
  (t) => [index('daily_counts_day').on(t.day)],
);
export type DailyCountRow = typeof dailyCounts.$inferSelect;
