import { and, asc, eq, gte, inArray, lte } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { scoreHourly, type ScoreHourlyRow } from './table.ts';

/** A plot type's hourly score sums between `from` and `to` (ISO), oldest first. */
export async function hourlyScores(db: Db, plotType: string, from: string, to: string): Promise<ScoreHourlyRow[]> {
  return db
    .select()
    .from(scoreHourly)
    .where(and(eq(scoreHourly.plotType, plotType), gte(scoreHourly.hour, from), lte(scoreHourly.hour, to)))
    .orderBy(asc(scoreHourly.hour));
}

/** Every listed plot type's hourly maxima since `from`: the overview of rising problem scores. */
export async function hourlyMaxima(
  db: Db,
  plotTypes: readonly string[],
  from: string,
): Promise<Pick<ScoreHourlyRow, 'plotType' | 'hour' | 'maxes'>[]> {
  if (plotTypes.length === 0) return [];
  return db
    .select({ plotType: scoreHourly.plotType, hour: scoreHourly.hour, maxes: scoreHourly.maxes })
    .from(scoreHourly)
    .where(and(inArray(scoreHourly.plotType, [...plotTypes]), gte(scoreHourly.hour, from)));
}
