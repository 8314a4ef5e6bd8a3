import { gte, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { dailyCounts } from './table.ts';

/** Arrivals per UTC day (all plot types together) since `fromDay` (YYYY-MM-DD). */
export async function arrivalsPerDay(db: Db, fromDay: string): Promise<{ day: string; arrivals: number }[]> {
  return db
    .select({ day: dailyCounts.day, arrivals: sql<number>`SUM(${dailyCounts.arrivals})`.mapWith(Number) })
    .from(dailyCounts)
    .where(gte(dailyCounts.day, fromDay))
    .groupBy(dailyCounts.day);
}

/** Arrivals per plot type per UTC day since `fromDay`. */
export async function arrivalsPerPlotDay(
  db: Db,
  fromDay: string,
): Promise<{ plotType: string; day: string; arrivals: number }[]> {
  return db
    .select({ plotType: dailyCounts.plotType, day: dailyCounts.day, arrivals: dailyCounts.arrivals })
    .from(dailyCounts)
    .where(gte(dailyCounts.day, fromDay));
}
