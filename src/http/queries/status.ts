import type { ConsumerInfo } from '@nats-io/jetstream';
import type { HttpDeps } from '../plugins/hydra.ts';
import { listCheckpoints } from '../../projections/checkpoints.ts';
import { arrivalsPerDay, arrivalsPerPlotDay } from '../../projections/daily-counts/queries.ts';
import { deadLetterCounts, recentDeadLetters } from '../../projections/dead-letters.ts';
import { allProjections } from '../../projections/index.ts';

export interface ProjectionState {
  readonly name: string;
  readonly checkpoint: number;
  readonly paused: boolean;
  readonly updatedAt: string | null;
  /** Messages not yet applied (pending plus delivered-unacknowledged on its durable consumer); null when it has none yet. */
  readonly pending: number | null;
}

export interface ConsumerState {
  readonly name: string;
  readonly filter: string;
  readonly pending: number;
  readonly ackPending: number;
  readonly redelivered: number;
  readonly deliveredSeq: number;
  readonly waiting: number;
}

export interface DeadLetter {
  readonly id: number;
  readonly projection: string;
  readonly seq: number;
  readonly eventType: string | null;
  readonly error: string;
  readonly payload: string;
  readonly parkedAt: string;
}

export interface StatusData {
  readonly streamName: string;
  readonly namespace: string;
  readonly stream: { messages: number; bytes: number; lastSeq: number; firstSeq: number };
  readonly projections: ProjectionState[];
  /** Durable consumers (projections, workers); ephemeral readers (live pages, replays) only counted. */
  readonly consumers: ConsumerState[];
  readonly ephemeral: number;
  readonly perDay: { day: string; arrivals: number }[];
  readonly perPlotDay: { plotType: string; day: string; arrivals: number }[];
  readonly deadLetters: DeadLetter[];
  readonly deadLetterCounts: { projection: string; n: number }[];
}

const dayIso = (t: number) => new Date(t).toISOString().slice(0, 10);

export async function loadConsumers(h: HttpDeps): Promise<ConsumerInfo[]> {
  const out: ConsumerInfo[] = [];
  for await (const c of h.log.jsm.consumers.list(h.log.names.stream)) out.push(c);
  return out;
}

/** Hydra's own health: stream, read models and their lag, every durable consumer, arrivals per day, parked events. */
export async function loadStatus(h: HttpDeps, now: number, opts: { history?: boolean } = {}): Promise<StatusData> {
  // /metrics needs the counts, not a year of arrivals per day nor the parked events themselves.
  const history = opts.history ?? true;
  const [info, consumers, cps, perDay, perPlotDay, letters, letterCounts] = await Promise.all([
    h.log.streamInfo(),
    loadConsumers(h),
    listCheckpoints(h.db),
    history ? arrivalsPerDay(h.db, dayIso(now - 370 * 86400_000)) : [],
    history ? arrivalsPerPlotDay(h.db, dayIso(now - 13 * 86400_000)) : [],
    history ? recentDeadLetters(h.db, 50) : [],
    deadLetterCounts(h.db),
  ]);
  const byName = new Map(consumers.map((c) => [c.name, c]));
  const cp = new Map(cps.map((r) => [r.name, r]));
  const projections = allProjections.map((p) => {
    const row = cp.get(p.name);
    const c = byName.get(h.log.names.consumer(`proj_${p.name}`));
    return {
      name: p.name,
      checkpoint: row?.seq ?? 0,
      paused: row?.paused ?? false,
      updatedAt: row?.updatedAt ?? null,
      pending: c ? c.num_pending + c.num_ack_pending : null,
    };
  });
  return {
    streamName: h.log.names.stream,
    namespace: h.log.names.namespace,
    stream: {
      messages: info.state.messages,
      bytes: info.state.bytes,
      lastSeq: info.state.last_seq,
      firstSeq: info.state.first_seq,
    },
    projections,
    ephemeral: consumers.filter((c) => !c.config.durable_name).length,
    consumers: consumers
      .filter((c) => c.config.durable_name)
      .map((c) => ({
        name: c.name,
        filter: c.config.filter_subject ?? (c.config.filter_subjects ?? []).join(', '),
        pending: c.num_pending,
        ackPending: c.num_ack_pending,
        redelivered: c.num_redelivered,
        deliveredSeq: c.delivered.stream_seq,
        waiting: c.num_waiting,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    perDay,
    perPlotDay,
    deadLetters: letters.map((l) => ({
      id: l.id,
      projection: l.projection,
      seq: l.seq,
      eventType: l.eventType,
      error: l.error,
      payload: l.payload.slice(0, 600),
      parkedAt: l.parkedAt,
    })),
    deadLetterCounts: letterCounts,
  };
}
