import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { plotTypes, type PlotTypeRow } from './table.ts';

/** Plot types in use (retired ones left out), by name: the Labeler's choices. */
export async function livePlotTypes(db: Db): Promise<PlotTypeRow[]> {
  return db.select().from(plotTypes).where(eq(plotTypes.retired, false)).orderBy(asc(plotTypes.name));
}

/** One plot type's configuration (retired ones too), or null. */
export async function plotTypeRow(db: Db, name: string): Promise<PlotTypeRow | null> {
  const [row] = await db.select().from(plotTypes).where(eq(plotTypes.name, name));
  return row ?? null;
}

/** Every plot type, retired ones too, by name: the plot-type admin's list. */
export async function allPlotTypes(db: Db): Promise<PlotTypeRow[]> {
  return db.select().from(plotTypes).orderBy(asc(plotTypes.name));
}
