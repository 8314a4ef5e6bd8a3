import type { Outcome } from './delivery.ts';

export type ConsumerState = 'starting' | 'consuming' | 'standby' | 'restarting' | 'stopped';

/** What one durable consumer has done since its process started: for heartbeats, the Status page, /metrics. */
export interface ConsumerStats {
  readonly durable: string;
  state: ConsumerState;
  received: number;
  acked: number;
  naked: number;
  termed: number;
  /** Handler calls that threw (their messages were handed back). */
  handlerErrors: number;
  batches: number;
  /** Milliseconds the last message or batch took. */
  lastMs: number;
  /** Milliseconds per message: upper bound of the bucket -> messages in it. */
  histogram: Record<string, number>;
  restarts: number;
  disconnects: number;
  reconnects: number;
  /** The server's notices by kind (heartbeats_missed, consumer_deleted, consumer_not_found, ...). */
  notices: Record<string, number>;
  lastError: string | null;
  lastErrorAt: string | null;
}

/** Per-message processing time buckets, in ms. */
export const TIME_BUCKETS_MS = [5, 10, 20, 50, 100, 200, 500, 1000, 5000, Infinity] as const;

export function emptyStats(durable: string): ConsumerStats {
  return {
    durable,
    state: 'stopped',
    received: 0,
    acked: 0,
    naked: 0,
    termed: 0,
    handlerErrors: 0,
    batches: 0,
    lastMs: 0,
    histogram: {},
    restarts: 0,
    disconnects: 0,
    reconnects: 0,
    notices: {},
    lastError: null,
    lastErrorAt: null,
  };
}

/** What a heartbeat carries about one durable consumer: enough to see it is stuck or restarting. */
export interface ConsumerSummary {
  readonly durable: string;
  readonly state: ConsumerState;
  readonly restarts: number;
  readonly reconnects: number;
  readonly lastError: string | null;
}

export const summaryOf = (s: ConsumerStats): ConsumerSummary => ({
  durable: s.durable,
  state: s.state,
  restarts: s.restarts,
  reconnects: s.reconnects,
  lastError: s.lastError === null ? null : s.lastError.slice(0, 300),
});

/** Adds a handled batch (or single message) to the stats. */
export function recordBatch(stats: ConsumerStats, outcomes: readonly Outcome[], ms: number): void {
  for (const o of outcomes) {
    if (o.kind === 'ack') stats.acked++;
    else if (o.kind === 'nak') stats.naked++;
    else stats.termed++;
  }
  stats.batches++;
  stats.lastMs = Math.round(ms * 100) / 100;
  const n = outcomes.length;
  if (n === 0) return;
  const bucket = String(TIME_BUCKETS_MS.find((b) => ms / n <= b));
  stats.histogram[bucket] = (stats.histogram[bucket] ?? 0) + n;
}
