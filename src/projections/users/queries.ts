import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { apiTokens, type ApiTokenRow } from '../api-tokens/table.ts';
import { siteSettings, type SiteSettingsRow } from '../site-settings/table.ts';
import { users, type UserRow } from './table.ts';

/** The read side of accounts: users, API tokens and site settings, as the pages and sign-in read them. */
export async function findUser(db: Db, name: string): Promise<UserRow | null> {
  return (await db.select().from(users).where(eq(users.name, name)))[0] ?? null;
}

export function listUsers(db: Db): Promise<UserRow[]> {
  return db.select().from(users).orderBy(users.name);
}

/** Whether anyone holds the Admin role and may sign in. */
export async function adminExists(db: Db): Promise<boolean> {
  const rows = await db.select({ roles: users.roles }).from(users).where(eq(users.disabled, false));
  return rows.some((r) => r.roles.some((g) => g.role === 'admin'));
}

/** The live (not revoked) token with this hash, or null. */
export async function findLiveToken(db: Db, hash: string): Promise<ApiTokenRow | null> {
  return (
    (
      await db
        .select()
        .from(apiTokens)
        .where(and(eq(apiTokens.hash, hash), isNull(apiTokens.revokedAt)))
    )[0] ?? null
  );
}

export function listTokens(db: Db): Promise<ApiTokenRow[]> {
  return db.select().from(apiTokens).orderBy(apiTokens.createdAt);
}

export async function readSiteSettings(db: Db): Promise<SiteSettingsRow | null> {
  return (await db.select().from(siteSettings).where(eq(siteSettings.id, 'site')))[0] ?? null;
}

/** The read models account changes go to: a command waits for them before it says "done". */
export const ACCOUNT_READ_MODELS = { user: 'users', token: 'api_tokens', site: 'site_settings' } as const;
