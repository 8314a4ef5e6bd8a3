import { describe, expect, it } from 'vitest';
import type { PlotStatusRow } from '../projections/plot-status/table.ts';
import { buildBoard, roleHealth } from './board.ts';

const NOW = Date.parse('2026-11-26T12:00:00.000Z');

/** A process's heartbeat, last written at `at`. */
const hb = (roles: string[], at: string, pid: number) => ({
  key: `k${pid}`,
  roles,
  host: 'h',
  pid,
  startedAt: at,
  at,
  intervalMs: 5000,
  stats: {},
});
const labels = [
  { name: 'Good', colour: '#2e9e44', bad: false },
  { name: 'Bad', colour: '#d62728', bad: true },
  { name: 'NoData', colour: '#8c8c8c', bad: false },
];

function row(plotType: string, detector: string, over: Partial<PlotStatusRow> = {}): PlotStatusRow {
  return {
    plotType,
    configured: true,
    detector,
    title: null,
    hidden: false,
    ignored: false,
    retired: false,
    labels,
    lastArrivalId: 'i',
    lastImageId: 'i',
    lastArrivedAt: '2026-11-26T11:59:00.000Z',
    recent: [],
    arrivalId: 'i',
    imageId: 'i',
    arrivedAt: '2026-11-26T11:59:00.000Z',
    run: 1,
    chunk: 1,
    status: 'classified',
    decidedAt: '2026-11-26T11:59:01.000Z',
    verdict: 'Good',
    confidence: 0.9,
    confirmed: true,
    scores: null,
    heatmap: null,
    modelId: 'm',
    reason: null,
    streakSince: null,
    streakImageId: null,
    streakRun: null,
    streakChunk: null,
    streakLabel: null,
    streakCount: 0,
    streakUnconfirmed: 0,
    streakArrivalId: null,
    seq: 1,
    ...over,
  };
}

describe('run board', () => {
  it('floats Bad then Unconfirmed to the top, and groups with problems above calm ones', () => {
    const board = buildBoard(
      [
        row('A_ok', 'BCAL'),
        row('B_ok', 'CDC'),
        row('C_unconf', 'CDC', { confirmed: false, verdict: 'Bad' }),
        row('D_bad', 'CDC', { verdict: 'Bad' }),
        row('E_nodata', 'CDC', { verdict: 'NoData' }),
        row('F_new', 'CDC', { status: null, imageId: null }),
      ],
      NOW,
      600_000,
    );
    expect(board.groups.map((g) => g.detector)).toEqual(['CDC', 'BCAL']);
    expect(board.groups[0]!.tiles.map((t) => `${t.plotType}:${t.state}`)).toEqual([
      'D_bad:bad',
      'C_unconf:unconfirmed',
      'B_ok:ok',
      'E_nodata:ok',
      'F_new:pending',
    ]);
    expect(board.groups[0]).toMatchObject({ bad: 1, unconfirmed: 1 });
    expect(board.counts.bad).toBe(1);
    expect(board.groups[0]!.tiles[0]!.colour).toBe('#d62728');
  });

  it('tucks hidden and ignored plot types away, drops retired ones, and marks stale data', () => {
    const board = buildBoard(
      [
        row('Old', 'TOF', { lastArrivedAt: '2026-11-26T11:00:00.000Z' }),
        row('Hidden', 'TOF', { hidden: true, lastArrivedAt: '2026-11-26T11:59:59.000Z' }),
        row('Ignored', 'RF', { ignored: true }),
        row('Gone', 'RF', { retired: true }),
      ],
      NOW,
      600_000,
    );
    expect(board.groups.flatMap((g) => g.tiles.map((t) => t.plotType))).toEqual(['Old']);
    expect(board.tucked.map((t) => t.plotType)).toEqual(['Hidden', 'Ignored']);
    expect(board.groups[0]!.tiles[0]!.stale).toBe(true);
    expect(board.stale).toBe(true);
    expect(board.newestArrivalAt).toBe('2026-11-26T11:00:00.000Z');
  });

  it('reports a role with no live heartbeat as down', () => {
    const health = roleHealth(
      [hb(['projections', 'http'], '2026-11-26T11:59:58.000Z', 1), hb(['inference'], '2026-11-26T11:58:00.000Z', 2)],
      ['projections', 'inference', 'alarms'],
      NOW,
    );
    expect(Object.fromEntries(health.map((r) => [r.role, r.live]))).toEqual({
      projections: true,
      inference: false,
      alarms: false,
      http: true,
    });
    expect(health.find((r) => r.role === 'inference')!.lastSeen).toBe('2026-11-26T11:58:00.000Z');
  });

  it('does not hold a killed process against a role that has a live one, and forgets it after an hour', () => {
    const health = roleHealth(
      [
        hb(['inference'], '2026-11-26T11:59:58.000Z', 1),
        hb(['inference'], '2026-11-26T11:50:00.000Z', 2), // killed 10 min ago, replaced by pid 1
        hb(['alarms'], '2026-11-26T10:30:00.000Z', 3), // killed 90 min ago
        hb(['ingest'], '2026-11-26T11:30:00.000Z', 4), // killed 30 min ago, nobody took over
      ],
      ['inference', 'alarms', 'ingest'],
      NOW,
    );
    const by = Object.fromEntries(health.map((r) => [r.role, r]));
    expect(by.inference).toMatchObject({ live: true, processes: [{ pid: 1, live: true }] });
    expect(by.alarms).toMatchObject({ live: false, processes: [], lastSeen: null });
    expect(by.ingest).toMatchObject({ live: false, processes: [{ pid: 4, live: false }] });
  });
});
