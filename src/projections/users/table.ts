import { boolean, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';
import type { RoleGrant } from '../../accounts/roles.ts';

/** Accounts: one row per user with their roles. The password is only ever an argon2id hash. */
export const users = mysqlTable('users', {
  name: varchar('name', { length: 100 }).primaryKey(),
  displayName: varchar('display_name', { length: 100 }),
  email: varchar('email', { length: 200 }),
  passwordHash: varchar('password_hash', { length: 400 }),
  roles: jsonText<RoleGrant[]>('roles').notNull(),
  disabled: boolean('disabled').notNull().default(false),
  /** Goes up with every password change and every disabling: a session signed in under an older one is over. */
  credentialsVersion: int('credentials_version').notNull(),
  addedBy: varchar('added_by', { length: 100 }).notNull(),
  addedAt: isoDatetime('added_at').notNull(),
  updatedAt: isoDatetime('updated_at').notNull(),
});
export type UserRow = typeof users.$inferSelect;
