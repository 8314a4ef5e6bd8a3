import { boolean, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime } from '../../db/columns.ts';

/** Site settings an Admin changed (one row, id `site`); a setting nobody set is null and takes its default. */
export const siteSettings = mysqlTable('site_settings', {
  id: varchar('id', { length: 16 }).primaryKey(),
  anonymousViewing: boolean('anonymous_viewing'),
  updatedBy: varchar('updated_by', { length: 100 }).notNull(),
  updatedAt: isoDatetime('updated_at').notNull(),
});
export type SiteSettingsRow = typeof siteSettings.$inferSelect;
