import { date, int, mysqlTable, varchar, index } from 'drizzle-orm/mysql-core';

/** Images per plot type per UTC day, by outcome: the Status page's images-per-day heatmap. */
export const dailyCounts = mysqlTable(
  'daily_counts',
  {
    id: varchar('id', { length: 200 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    arrived: int('arrived').notNull(),
    sampled: int('sampled').notNull(),
    labelled: int('labelled').notNull(),
  },
  (t) => [index('daily_counts_day').on(t.day)],
);
export type DailyCountRow = typeof dailyCounts.$inferSelect;
