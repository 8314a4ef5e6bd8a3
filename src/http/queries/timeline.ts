import type { Db } from '../../db/connection.ts';
import type { PlotStatusRow } from '../../projections/plot-status/table.ts';
import { runsStartedBetween } from '../../projections/runs/queries.ts';
import { hourlyScores } from '../../projections/score-history/queries.ts';
import type { ScoreHourlyRow } from '../../projections/score-history/table.ts';
import { sustainOverview } from '../../projections/sustain/queries.ts';
import { scorePoints, type RawPoint } from '../../projections/verdicts/queries.ts';
import type { SustainData } from '../views/sustain.ts';

export { livePlots as loadPlots } from '../../projections/plot-status/queries.ts';
export { hourlyMaxima as loadOverview } from '../../projections/score-history/queries.ts';
export type { RawPoint } from '../../projections/verdicts/queries.ts';

/** Up to this span the chart shows every verdict; beyond it, hourly sums from score_hourly. */
export const RAW_SPAN_MS = 3 * 86400_000;
export const RAW_LIMIT = 20_000;

export interface TimelineData {
  readonly plot: PlotStatusRow | null;
  readonly mode: 'raw' | 'hourly';
  readonly raw: RawPoint[];
  readonly hourly: ScoreHourlyRow[];
  readonly runs: { run: number; firstArrivedAt: string }[];
  readonly truncated: boolean;
  /** The self-sustaining loop's assessment and decisions for the plot type. */
  readonly sustain: SustainData;
}

/** A plot type's scores over a window: every verdict up to RAW_SPAN_MS, hourly sums beyond, and the runs begun in it. */
export async function loadTimeline(
  db: Db,
  plot: PlotStatusRow | null,
  from: string,
  to: string,
): Promise<TimelineData> {
  const mode = Date.parse(to) - Date.parse(from) <= RAW_SPAN_MS ? 'raw' : 'hourly';
  const runRows = runsStartedBetween(db, from, to);
  const none = { latest: null, history: [] };
  if (!plot) return { plot, mode, raw: [], hourly: [], runs: await runRows, truncated: false, sustain: none };
  const sustain = sustainOverview(db, plot.plotType);
  if (mode === 'raw') {
    const [raw, r, s] = await Promise.all([scorePoints(db, plot.plotType, from, to, RAW_LIMIT + 1), runRows, sustain]);
    const truncated = raw.length > RAW_LIMIT;
    return { plot, mode, raw: raw.slice(0, RAW_LIMIT), hourly: [], runs: r, truncated, sustain: s };
  }
  const [hourly, r, s] = await Promise.all([hourlyScores(db, plot.plotType, from, to), runRows, sustain]);
  return { plot, mode, raw: [], hourly, runs: r, truncated: false, sustain: s };
}
