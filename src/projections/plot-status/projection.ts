import type { HydraEvent } from '../../events/catalog.ts';
import { labelMeanings, meaningOf, problemsOf } from '../../verdicts/semantics.ts';
import { nextStreak, streakCount, type Streak } from '../../verdicts/streak.ts';
import { defineProjection } from '../runtime/projection.ts';
import { utc } from '../verdicts/time.ts';
import { plotStatus, type PlotStatusRow, type RecentArrival } from './table.ts';

/** Arrivals remembered per plot type, to place a verdict's arrival in time (verdicts may come out of order). */
export const RECENT_ARRIVALS = 16;

function blank(plotType: string, seq: number): PlotStatusRow {
  return {
    plotType,
    configured: false,
    detector: null,
    title: null,
    hidden: false,
    ignored: false,
    retired: false,
    labels: [],
    lastArrivalId: null,
    lastImageId: null,
    lastArrivedAt: null,
    recent: [],
    arrivalId: null,
    imageId: null,
    arrivedAt: null,
    run: null,
    chunk: null,
    status: null,
    decidedAt: null,
    verdict: null,
    confidence: null,
    confirmed: null,
    scores: null,
    heatmap: null,
    modelId: null,
    reason: null,
    streakSince: null,
    streakImageId: null,
    streakRun: null,
    streakChunk: null,
    streakLabel: null,
    streakCount: 0,
    streakUnconfirmed: 0,
    streakArrivalId: null,
    seq,
  };
}

type Decision = Extract<HydraEvent, { type: 'inference.completed' | 'inference.skipped' | 'inference.failed' }>;
type Completed = Extract<Decision, { type: 'inference.completed' }>;

/** Is this decision about an arrival at least as new as the one shown? (Unknown arrivals only fill an empty tile.) */
function isNewer(row: PlotStatusRow, arrival: RecentArrival | undefined): boolean {
  if (row.arrivalId === null || row.arrivedAt === null) return true;
  return arrival !== undefined && arrival.arrivedAt >= row.arrivedAt;
}

/** The row's problem streak as src/verdicts/streak.ts folds it. */
function streakOf(row: PlotStatusRow): Streak | null {
  if (row.streakSince === null || row.streakImageId === null) return null;
  return {
    since: row.streakSince,
    arrivalId: row.streakArrivalId ?? row.streakImageId,
    imageId: row.streakImageId,
    run: row.streakRun,
    chunk: row.streakChunk,
    label: row.streakLabel ?? 'Bad',
    bad: row.streakCount - row.streakUnconfirmed,
    unconfirmed: row.streakUnconfirmed,
  };
}

function withStreak(row: PlotStatusRow, s: Streak | null): PlotStatusRow {
  return {
    ...row,
    streakSince: s?.since ?? null,
    streakArrivalId: s?.arrivalId ?? null,
    streakImageId: s?.imageId ?? null,
    streakRun: s?.run ?? null,
    streakChunk: s?.chunk ?? null,
    streakLabel: s?.label ?? null,
    streakCount: streakCount(s),
    streakUnconfirmed: s?.unconfirmed ?? 0,
  };
}

/** Every verdict extends or ends the streak, in stream order, whether or not its arrival is the one shown. */
function streak(row: PlotStatusRow, e: Completed, arrival: RecentArrival | undefined): PlotStatusRow {
  const d = e.data;
  const next = nextStreak(streakOf(row), {
    meaning: meaningOf(problemsOf(row.labels), d),
    label: d.verdict,
    at: arrival?.arrivedAt ?? e.time,
    arrivalId: d.arrivalId,
    imageId: d.imageId,
    run: arrival?.run ?? null,
    chunk: arrival?.chunk ?? null,
  });
  return withStreak(row, next);
}

function decide(current: PlotStatusRow | null, e: Decision): PlotStatusRow | null {
  const row = current ?? blank(e.data.plotType, e.seq);
  const arrival = row.recent.find((r) => r.arrivalId === e.data.arrivalId);
  if (e.type !== 'inference.completed' && row.arrivalId === e.data.arrivalId && row.status === 'classified')
    return current;
  const counted = e.type === 'inference.completed' ? streak(row, e, arrival) : row;
  if (!isNewer(row, arrival)) return counted === row ? current : { ...counted, seq: e.seq };
  const shown = {
    ...counted,
    arrivalId: e.data.arrivalId,
    imageId: e.data.imageId,
    arrivedAt: arrival?.arrivedAt ?? null,
    run: arrival?.run ?? null,
    chunk: arrival?.chunk ?? null,
    decidedAt: e.time,
    seq: e.seq,
  };
  if (e.type === 'inference.completed') {
    const d = e.data;
    return {
      ...shown,
      status: 'classified',
      verdict: d.verdict,
      confidence: d.confidence,
      confirmed: d.confirmed,
      scores: d.scores,
      heatmap: d.heatmap ?? null,
      modelId: d.modelId,
      reason: null,
    };
  }
  return {
    ...shown,
    status: e.type === 'inference.failed' ? 'failed' : 'skipped',
    verdict: null,
    confidence: null,
    confirmed: null,
    scores: null,
    heatmap: null,
    modelId: e.type === 'inference.failed' ? (e.data.modelId ?? null) : null,
    reason: e.data.reason,
  };
}

export const plotStatusProjection = defineProjection({
  name: 'plot_status',
  table: plotStatus,
  idColumn: 'plotType',
  handles: [
    'plottype.defined',
    'plottype.updated',
    'plottype.retired',
    'image.arrived',
    'inference.completed',
    'inference.skipped',
    'inference.failed',
  ],
  keyOf: (e) => {
    switch (e.type) {
      case 'plottype.defined':
      case 'plottype.updated':
      case 'plottype.retired':
        return e.data.name;
      case 'image.arrived':
      case 'inference.completed':
      case 'inference.skipped':
      case 'inference.failed':
        return e.data.plotType;
      default:
        return null;
    }
  },
  evolve(current: PlotStatusRow | null, e): PlotStatusRow | null {
    switch (e.type) {
      case 'plottype.defined':
      case 'plottype.updated': {
        const s = e.data;
        return {
          ...(current ?? blank(s.name, e.seq)),
          configured: true,
          detector: s.detector,
          title: s.title ?? null,
          hidden: s.hidden,
          ignored: s.ignore,
          retired: false,
          labels: labelMeanings(s),
          seq: e.seq,
        };
      }
      case 'plottype.retired':
        return current ? { ...current, retired: true, seq: e.seq } : null;
      case 'image.arrived': {
        const d = { ...e.data, arrivedAt: utc(e.data.arrivedAt) };
        const row = current ?? blank(d.plotType, e.seq);
        if (row.recent.some((r) => r.arrivalId === d.arrivalId)) return current;
        const arrival = {
          arrivalId: d.arrivalId,
          imageId: d.imageId,
          arrivedAt: d.arrivedAt,
          run: d.run,
          chunk: d.chunk,
        };
        const recent = [arrival, ...row.recent]
          .sort((a, b) => (a.arrivedAt < b.arrivedAt ? 1 : a.arrivedAt > b.arrivedAt ? -1 : 0))
          .slice(0, RECENT_ARRIVALS);
        const latest = row.lastArrivedAt === null || d.arrivedAt >= row.lastArrivedAt;
        return {
          ...row,
          recent,
          lastArrivalId: latest ? d.arrivalId : row.lastArrivalId,
          lastImageId: latest ? d.imageId : row.lastImageId,
          lastArrivedAt: latest ? d.arrivedAt : row.lastArrivedAt,
          seq: e.seq,
        };
      }
      case 'inference.completed':
      case 'inference.skipped':
      case 'inference.failed':
        return decide(current, e);
      default:
        return current;
    }
  },
});
