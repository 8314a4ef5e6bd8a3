import { index, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';

/**
 * Each label's score per plot type per UTC hour (sum and maximum over the hour's verdicts), so the
 * Timeline draws months or a year from a few thousand rows instead of every verdict.
 */
export const scoreHourly = mysqlTable(
  'score_hourly',
  {
    id: varchar('id', { length: 160 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    hour: isoDatetime('hour').notNull(),
    n: int('n').notNull(),
    unconfirmed: int('unconfirmed').notNull(),
    sums: jsonText<Record<string, number>>('sums').notNull(),
    maxes: jsonText<Record<string, number>>('maxes').notNull(),
    /** Confirmed verdicts per label. */
    verdicts: jsonText<Record<string, number>>('verdicts').notNull(),
    minRun: int('min_run'),
    maxRun: int('max_run'),
  },
  (t) => [index('score_hourly_plot_hour').on(t.plotType, t.hour)],
);
export type ScoreHourlyRow = typeof scoreHourly.$inferSelect;
