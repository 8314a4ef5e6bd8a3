import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { images } from '../images/table.ts';
import { labels } from './table.ts';

/** The current label (and who gave it) of each of these images that has one. */
export async function currentLabels(
  db: Db,
  imageIds: readonly string[],
): Promise<Map<string, { label: string; user: string }>> {
  const out = new Map<string, { label: string; user: string }>();
  for (let i = 0; i < imageIds.length; i += 500) {
    const rows = await db
      .select({ imageId: labels.imageId, label: labels.label, user: labels.user })
      .from(labels)
      .where(inArray(labels.imageId, imageIds.slice(i, i + 500)));
    for (const r of rows) out.set(r.imageId, { label: r.label, user: r.user });
  }
  return out;
}

/** Every labelled image of a plot type whose bytes are stored (labels joined with images), with its label. */
export async function labelledImages(db: Db, plotType: string): Promise<{ imageId: string; label: string }[]> {
  return db
    .select({ imageId: labels.imageId, label: labels.label })
    .from(labels)
    .innerJoin(images, eq(images.imageId, labels.imageId))
    .where(and(eq(labels.plotType, plotType), eq(images.plotType, plotType)));
}
