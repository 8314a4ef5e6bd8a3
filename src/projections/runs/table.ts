import { index, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime } from '../../db/columns.ts';

/** Runs as seen through their arrivals: when each began and ended, for run boundaries on the Timeline and run pickers. */
export const runs = mysqlTable(
  'runs',
  {
    id: varchar('id', { length: 16 }).primaryKey(),
    run: int('run').notNull(),
    runPeriod: varchar('run_period', { length: 64 }),
    firstArrivedAt: isoDatetime('first_arrived_at').notNull(),
    lastArrivedAt: isoDatetime('last_arrived_at').notNull(),
    /** image.arrived events of the run: every arrival, also of the same bytes again. */
    arrivals: int('arrivals').notNull(),
  },
  (t) => [index('runs_first').on(t.firstArrivedAt), index('runs_run').on(t.run)],
);
export type RunRow = typeof runs.$inferSelect;
