import type { PlotStatusRow, TileLabel } from '../projections/plot-status/table.ts';
import { meaningOf, problemsOf, type Meaning } from '../verdicts/semantics.ts';
import type { Heartbeat } from '../processes/heartbeat.ts';

/** What a tile says, worst first: the order tiles float in. */
export const TILE_STATES = ['bad', 'unconfirmed', 'failed', 'ok', 'pending', 'skipped', 'empty'] as const;
export type TileState = (typeof TILE_STATES)[number];

export interface Tile {
  readonly plotType: string;
  readonly title: string | null;
  readonly detector: string;
  readonly state: TileState;
  readonly label: string | null;
  readonly colour: string | null;
  readonly confidence: number | null;
  /** The arrival shown (a click opens it) and its image (the picture). */
  readonly arrivalId: string | null;
  readonly imageId: string | null;
  readonly heatmap: string | null;
  readonly arrivedAt: string | null;
  readonly decidedAt: string | null;
  readonly lastArrivedAt: string | null;
  readonly run: number | null;
  readonly chunk: number | null;
  readonly reason: string | null;
  readonly streakSince: string | null;
  readonly streakCount: number;
  /** The problem streak's counts (src/verdicts/streak.ts), as every page says them. */
  readonly streak: { readonly bad: number; readonly unconfirmed: number };
  readonly stale: boolean;
  readonly tucked: boolean;
  readonly hidden: boolean;
  readonly ignored: boolean;
  readonly labels: readonly TileLabel[];
}

export interface Group {
  readonly detector: string;
  readonly tiles: readonly Tile[];
  readonly bad: number;
  readonly unconfirmed: number;
}

export interface Board {
  readonly groups: readonly Group[];
  /** Hidden and ignored plot types: out of the way, still reachable. */
  readonly tucked: readonly Tile[];
  readonly counts: Readonly<Record<TileState, number>>;
  readonly newestArrivalAt: string | null;
  /** No image at all for the stale interval (or none ever). */
  readonly stale: boolean;
  readonly plotTypes: number;
}

const TILE_STATE: Record<Meaning, TileState> = { bad: 'bad', unconfirmed: 'unconfirmed', good: 'ok' };
const tileStateOf = (m: Meaning): TileState => TILE_STATE[m];

function stateOf(r: PlotStatusRow): TileState {
  switch (r.status) {
    case 'classified':
      return tileStateOf(
        meaningOf(problemsOf(r.labels), { verdict: r.verdict ?? '', confirmed: r.confirmed ?? false }),
      );
    case 'failed':
      return 'failed';
    case 'skipped':
      return 'skipped';
    default:
      return r.lastArrivedAt ? 'pending' : 'empty';
  }
}

export function tileOf(r: PlotStatusRow, now: number, staleMs: number): Tile {
  const state = stateOf(r);
  const label = r.verdict;
  const tucked = r.hidden || r.ignored;
  return {
    plotType: r.plotType,
    title: r.title,
    detector: r.detector ?? 'Not configured',
    state,
    label,
    colour: r.labels.find((l) => l.name === label)?.colour ?? null,
    confidence: r.confidence,
    arrivalId: r.arrivalId ?? r.lastArrivalId,
    imageId: r.imageId ?? r.lastImageId,
    heatmap: r.heatmap,
    arrivedAt: r.arrivedAt ?? r.lastArrivedAt,
    decidedAt: r.decidedAt,
    lastArrivedAt: r.lastArrivedAt,
    run: r.run,
    chunk: r.chunk,
    reason: r.reason,
    streakSince: r.streakSince,
    streakCount: r.streakCount,
    streak: { bad: r.streakCount - r.streakUnconfirmed, unconfirmed: r.streakUnconfirmed },
    stale: !tucked && r.lastArrivedAt !== null && now - Date.parse(r.lastArrivedAt) > staleMs,
    tucked,
    hidden: r.hidden,
    ignored: r.ignored,
    labels: r.labels,
  };
}

const rank = (t: Tile) => TILE_STATES.indexOf(t.state);
const byRankThenName = (a: Tile, b: Tile) =>
  rank(a) - rank(b) || (a.streakSince ?? '').localeCompare(b.streakSince ?? '') || a.plotType.localeCompare(b.plotType);

/** Tiles grouped by detector; Bad and Unconfirmed float to the top of their group, and groups with problems to the top of the page. */
export function buildBoard(rows: readonly PlotStatusRow[], now: number, staleMs: number): Board {
  const tiles = rows.filter((r) => !r.retired).map((r) => tileOf(r, now, staleMs));
  const shown = tiles.filter((t) => !t.tucked);
  const byDetector = new Map<string, Tile[]>();
  for (const t of shown) byDetector.set(t.detector, [...(byDetector.get(t.detector) ?? []), t]);
  const groups = [...byDetector]
    .map(([detector, ts]) => {
      const sorted = ts.sort(byRankThenName);
      return {
        detector,
        tiles: sorted,
        bad: ts.filter((t) => t.state === 'bad').length,
        unconfirmed: ts.filter((t) => t.state === 'unconfirmed').length,
      };
    })
    .sort((a, b) => rank(a.tiles[0]!) - rank(b.tiles[0]!) || a.detector.localeCompare(b.detector));
  const counts = Object.fromEntries(TILE_STATES.map((s) => [s, shown.filter((t) => t.state === s).length])) as Record<
    TileState,
    number
  >;
  const newest = shown.reduce<string | null>(
    (m, t) => (t.lastArrivedAt && (!m || t.lastArrivedAt > m) ? t.lastArrivedAt : m),
    null,
  );
  return {
    groups,
    tucked: tiles.filter((t) => t.tucked).sort((a, b) => a.plotType.localeCompare(b.plotType)),
    counts,
    newestArrivalAt: newest,
    stale: shown.length > 0 && (newest === null || now - Date.parse(newest) > staleMs),
    plotTypes: shown.length,
  };
}

export interface RoleHealth {
  readonly role: string;
  readonly live: boolean;
  /** The newest heartbeat naming this role, live or not. */
  readonly lastSeen: string | null;
  readonly processes: readonly { host: string; pid: number; at: string; live: boolean }[];
}

/** A heartbeat older than three intervals (and at least 15 s) means its process is gone or stuck. */
export const heartbeatLive = (hb: Heartbeat, now: number): boolean =>
  now - Date.parse(hb.at) <= Math.max(3 * hb.intervalMs, 15_000);

/** How long a silent process is still listed: a killed one's last heartbeat stays in the bucket for ever. */
export const FORGET_SILENT_AFTER_MS = 3_600_000;

/** The heartbeats worth showing: every live process, and silent ones for an hour. */
export const rememberedHeartbeats = (heartbeats: readonly Heartbeat[], now: number): Heartbeat[] =>
  heartbeats.filter((h) => heartbeatLive(h, now) || now - Date.parse(h.at) <= FORGET_SILENT_AFTER_MS);

/**
 * Every role Hydra needs, and whether some live process runs it. A role with a live process lists only
 * its live ones (a process killed and replaced is not held against it); silent ones are forgotten after an hour.
 */
export function roleHealth(heartbeats: readonly Heartbeat[], expected: readonly string[], now: number): RoleHealth[] {
  const remembered = rememberedHeartbeats(heartbeats, now);
  const names = [...new Set([...expected, ...remembered.flatMap((h) => h.roles)])];
  return names.map((role) => {
    const all = remembered
      .filter((h) => h.roles.includes(role))
      .map((h) => ({ host: h.host, pid: h.pid, at: h.at, live: heartbeatLive(h, now) }));
    const live = all.some((p) => p.live);
    const procs = live ? all.filter((p) => p.live) : all;
    const lastSeen = procs.reduce<string | null>((m, p) => (!m || p.at > m ? p.at : m), null);
    return { role, live, lastSeen, processes: procs };
  });
}
