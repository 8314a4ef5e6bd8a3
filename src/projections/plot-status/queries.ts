import { eq } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { plotStatus, type PlotStatusRow } from './table.ts';

/** Every plot type in use (retired ones left out): the Run page's tiles, the Timeline's choices. */
export async function livePlots(db: Db): Promise<PlotStatusRow[]> {
  return db.select().from(plotStatus).where(eq(plotStatus.retired, false));
}

/** Every plot type ever seen, retired ones too (the Log reaches back to them). */
export async function allPlots(db: Db): Promise<PlotStatusRow[]> {
  return db.select().from(plotStatus);
}

export async function plotStatusOf(db: Db, plotType: string): Promise<PlotStatusRow | null> {
  const [row] = await db.select().from(plotStatus).where(eq(plotStatus.plotType, plotType));
  return row ?? null;
}
