import { gte, sql } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { dailyCounts } from './table.ts';

/** Images arrived per UTC day (all plot types together) since `fromDay` (YYYY-MM-DD). */
export async function arrivedPerDay(db: Db, fromDay: string): Promise<{ day: string; arrived: number }[]> {
  return db
    .select({ day: dailyCounts.day, arrived: sql<number>`SUM(${dailyCounts.arrived})`.mapWith(Number) })
    .from(dailyCounts)
    .where(gte(dailyCounts.day, fromDay))
    .groupBy(dailyCounts.day);
}

/** Images arrived per plot type per UTC day since `fromDay`. */
export async function arrivedPerPlotDay(
  db: Db,
  fromDay: string,
): Promise<{ plotType: string; day: string; arrived: number }[]> {
  return db
    .select({ plotType: dailyCounts.plotType, day: dailyCounts.day, arrived: dailyCounts.arrived })
    .from(dailyCounts)
    .where(gte(dailyCounts.day, fromDay));
}
