import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { models, type ModelRow } from './table.ts';

/** The model a plot type runs now (the latest activated, should two rows ever say active), or null. */
export async function activeModelOf(db: Db, plotType: string): Promise<ModelRow | null> {
  const [row] = await db
    .select()
    .from(models)
    .where(and(eq(models.plotType, plotType), eq(models.status, 'active')))
    .orderBy(desc(models.activatedAt))
    .limit(1);
  return row ?? null;
}

/** Every model of a plot type, newest first. */
export async function modelsOf(db: Db, plotType: string): Promise<ModelRow[]> {
  return db.select().from(models).where(eq(models.plotType, plotType)).orderBy(desc(models.createdAt));
}

/** One model, or null. */
export async function modelRow(db: Db, modelId: string): Promise<ModelRow | null> {
  const [row] = await db.select().from(models).where(eq(models.modelId, modelId));
  return row ?? null;
}

/** Every plot type's active model (one per plot type: the latest activated). */
export async function activeModels(db: Db): Promise<ModelRow[]> {
  const rows = await db.select().from(models).where(eq(models.status, 'active')).orderBy(desc(models.activatedAt));
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.plotType) && seen.add(r.plotType));
}
