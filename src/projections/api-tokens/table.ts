import { mysqlTable, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';
import type { Role } from '../../accounts/roles.ts';

/** API tokens of machine clients: only the SHA-256 of each token is kept, looked up by it. */
export const apiTokens = mysqlTable(
  'api_tokens',
  {
    tokenId: varchar('token_id', { length: 128 }).primaryKey(),
    name: varchar('name', { length: 100 }).notNull(),
    role: varchar('role', { length: 16 }).$type<Role>().notNull(),
    detectors: jsonText<string[] | null>('detectors'),
    hash: varchar('hash', { length: 64 }).notNull(),
    createdBy: varchar('created_by', { length: 100 }).notNull(),
    createdAt: isoDatetime('created_at').notNull(),
    revokedBy: varchar('revoked_by', { length: 100 }),
    revokedAt: isoDatetime('revoked_at'),
  },
  (t) => [uniqueIndex('api_tokens_hash').on(t.hash)],
);
export type ApiTokenRow = typeof apiTokens.$inferSelect;
