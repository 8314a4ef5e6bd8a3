import { desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { images, unassigned, type ImageRow, type UnassignedRow } from './table.ts';

/** The latest image of a plot type (what its masks are drawn on), or null. */
export async function latestImageOf(db: Db, plotType: string): Promise<ImageRow | null> {
  const [row] = await db
    .select()
    .from(images)
    .where(eq(images.plotType, plotType))
    .orderBy(desc(images.arrivedAt))
    .limit(1);
  return row ?? null;
}

/** Images waiting for a plot type nobody configured yet, newest first (at most `limit`). */
export async function unassignedImages(db: Db, limit = 500): Promise<UnassignedRow[]> {
  return db.select().from(unassigned).orderBy(desc(unassigned.arrivedAt)).limit(limit);
}

/** One waiting image, or null (it is gone once its plot type was defined and it was ingested). */
export async function unassignedImage(db: Db, imageId: string): Promise<UnassignedRow | null> {
  const [row] = await db.select().from(unassigned).where(eq(unassigned.imageId, imageId));
  return row ?? null;
}
