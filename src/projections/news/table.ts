import { mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime } from '../../db/columns.ts';

/** The news banner on the Run page (one row, id `banner`, while one is up). */
export const news = mysqlTable('news', {
  id: varchar('id', { length: 16 }).primaryKey(),
  text: text('text').notNull(),
  level: varchar('level', { length: 16 }).notNull(),
  user: varchar('user', { length: 100 }).notNull(),
  postedAt: isoDatetime('posted_at').notNull(),
  expiresAt: isoDatetime('expires_at'),
});
export type NewsRow = typeof news.$inferSelect;
