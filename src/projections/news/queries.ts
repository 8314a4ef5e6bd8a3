import { eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { news, type NewsRow } from './table.ts';

/** The news banner, if one is up and has not expired by `now`. */
export async function currentBanner(db: Db, now: number): Promise<NewsRow | null> {
  const [banner] = await db.select().from(news).where(eq(news.id, 'banner'));
  return banner && (!banner.expiresAt || Date.parse(banner.expiresAt) > now) ? banner : null;
}
