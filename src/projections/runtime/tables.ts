import { bigint, boolean, int, longtext, mysqlTable, text, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime } from '../../db/columns.ts';

/** Where each projection has got to in the stream. Written in the same transaction as its rows. */
export const projectionCheckpoints = mysqlTable('projection_checkpoints', {
  name: varchar('name', { length: 100 }).primaryKey(),
  seq: bigint('seq', { mode: 'number', unsigned: true }).notNull().default(0),
  /** Set by `hydra replay` while it swaps tables; the runner waits while it is set. */
  paused: boolean('paused').notNull().default(false),
  updatedAt: isoDatetime('updated_at').notNull(),
});

/** Events a projection could not apply: parked here with the error, terminated on the stream. */
export const deadLetters = mysqlTable(
  'dead_letters',
  {
    id: int('id').autoincrement().primaryKey(),
    projection: varchar('projection', { length: 100 }).notNull(),
    seq: bigint('seq', { mode: 'number', unsigned: true }).notNull(),
    subject: varchar('subject', { length: 400 }).notNull(),
    eventType: varchar('event_type', { length: 100 }),
    error: text('error').notNull(),
    payload: longtext('payload').notNull(),
    parkedAt: isoDatetime('parked_at').notNull(),
  },
  (t) => [uniqueIndex('dead_letters_projection_seq').on(t.projection, t.seq)],
);
