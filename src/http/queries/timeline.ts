import { and, asc, eq, gte, inArray, isNotNull, lte } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { plotStatus, type PlotStatusRow } from '../../projections/plot-status/table.ts';
import { runs } from '../../projections/runs/table.ts';
import { scoreHourly, type ScoreHourlyRow } from '../../projections/score-history/table.ts';
import { verdicts } from '../../projections/verdicts/table.ts';

/** Up to this span the chart shows every verdict; beyond it, hourly sums from score_hourly. */
export const RAW_SPAN_MS = 3 * 86400_000;
export const RAW_LIMIT = 20_000;

export interface RawPoint {
  readonly imageId: string;
  readonly at: string;
  readonly outcome: string;
  readonly verdict: string | null;
  readonly confirmed: boolean | null;
  readonly scores: Record<string, number> | null;
  readonly run: number | null;
  readonly chunk: number | null;
}

export interface TimelineData {
  readonly plot: PlotStatusRow | null;
  readonly mode: 'raw' | 'hourly';
  readonly raw: RawPoint[];
  readonly hourly: ScoreHourlyRow[];
  readonly runs: { run: number; firstArrivedAt: string }[];
  readonly truncated: boolean;
}

export async function loadPlots(db: Db): Promise<PlotStatusRow[]> {
  return db.select().from(plotStatus).where(eq(plotStatus.retired, false));
}

export async function loadTimeline(
  db: Db,
  plot: PlotStatusRow | null,
  from: string,
  to: string,
): Promise<TimelineData> {
  const mode = Date.parse(to) - Date.parse(from) <= RAW_SPAN_MS ? 'raw' : 'hourly';
  const runRows = db
    .select({ run: runs.run, firstArrivedAt: runs.firstArrivedAt })
    .from(runs)
    .where(and(gte(runs.firstArrivedAt, from), lte(runs.firstArrivedAt, to)))
    .orderBy(asc(runs.firstArrivedAt))
    .limit(1000);
  if (!plot) return { plot, mode, raw: [], hourly: [], runs: await runRows, truncated: false };
  if (mode === 'raw') {
    const [raw, r] = await Promise.all([
      db
        .select({
          imageId: verdicts.imageId,
          at: verdicts.at,
          outcome: verdicts.outcome,
          verdict: verdicts.verdict,
          confirmed: verdicts.confirmed,
          scores: verdicts.scores,
          run: verdicts.run,
          chunk: verdicts.chunk,
        })
        .from(verdicts)
        .where(
          and(
            eq(verdicts.plotType, plot.plotType),
            gte(verdicts.at, from),
            lte(verdicts.at, to),
            isNotNull(verdicts.scores),
          ),
        )
        .orderBy(asc(verdicts.at))
        .limit(RAW_LIMIT + 1),
      runRows,
    ]);
    return { plot, mode, raw: raw.slice(0, RAW_LIMIT), hourly: [], runs: r, truncated: raw.length > RAW_LIMIT };
  }
  const [hourly, r] = await Promise.all([
    db
      .select()
      .from(scoreHourly)
      .where(and(eq(scoreHourly.plotType, plot.plotType), gte(scoreHourly.hour, from), lte(scoreHourly.hour, to)))
      .orderBy(asc(scoreHourly.hour)),
    runRows,
  ]);
  return { plot, mode, raw: [], hourly, runs: r, truncated: false };
}

/** Every plot type's hourly maxima since `from`: the overview of rising problem scores. */
export async function loadOverview(
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
