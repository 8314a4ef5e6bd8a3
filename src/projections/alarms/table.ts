import { bigint, double, index, int, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime } from '../../db/columns.ts';

/** One row per alarm episode: raised, acknowledged (by whom, with what comment), resolved. */
export const alarms = mysqlTable(
  'alarms',
  {
    alarmId: varchar('alarm_id', { length: 128 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    detector: varchar('detector', { length: 64 }).notNull(),
    run: int('run').notNull(),
    label: varchar('label', { length: 128 }).notNull(),
    confidence: double('confidence').notNull(),
    firstImageId: varchar('first_image_id', { length: 64 }).notNull(),
    /** The arrival of the first image, which the alarm's links open; null for alarms raised before it was recorded. */
    firstArrivalId: varchar('first_arrival_id', { length: 64 }),
    imageCount: int('image_count').notNull(),
    raisedAt: isoDatetime('raised_at').notNull(),
    /** 'active', 'acknowledged' or 'resolved'. */
    state: varchar('state', { length: 16 }).notNull(),
    acknowledgedAt: isoDatetime('acknowledged_at'),
    acknowledgedBy: varchar('acknowledged_by', { length: 100 }),
    comment: text('comment'),
    resolvedAt: isoDatetime('resolved_at'),
    resolvedImageId: varchar('resolved_image_id', { length: 64 }),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('alarms_state_raised').on(t.state, t.raisedAt),
    index('alarms_plot_raised').on(t.plotType, t.raisedAt),
    index('alarms_raised').on(t.raisedAt),
  ],
);
export type AlarmRow = typeof alarms.$inferSelect;
