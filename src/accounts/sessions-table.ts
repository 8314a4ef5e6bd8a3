import { index, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime } from '../db/columns.ts';

/**
 * Signed-in sessions of the web pages. Not a read model (sessions are not facts of the history, like
 * heartbeats): kept so that every web process shares them and signing out ends a session everywhere.
 * Rows are keyed by the SHA-256 of the session id: the table never holds a usable session id.
 */
export const httpSessions = mysqlTable(
  'http_sessions',
  {
    idHash: varchar('id_hash', { length: 64 }).primaryKey(),
    user: varchar('user_name', { length: 100 }),
    data: varchar('data', { length: 2000 }).notNull(),
    expiresAt: isoDatetime('expires_at').notNull(),
  },
  (t) => [index('http_sessions_user').on(t.user), index('http_sessions_expires').on(t.expiresAt)],
);
