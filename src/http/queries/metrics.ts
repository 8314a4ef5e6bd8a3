import { heartbeatLive, roleHealth } from '../board.ts';
import { cumulativeBuckets, type Metric, type Sample } from '../metrics.ts';
import type { RunSnapshot } from '../live/hub.ts';
import type { Heartbeat } from '../../processes/heartbeat.ts';
import type { StatusData } from './status.ts';

/** Everything /metrics reports, from the status data, the heartbeats and the Run page's snapshot. */
export function hydraMetrics(
  s: StatusData,
  beats: readonly Heartbeat[],
  snap: RunSnapshot,
  expectedRoles: readonly string[],
  viewers: number,
  now: number,
): Metric[] {
  const proc = (b: Heartbeat) => ({ host: b.host, pid: b.pid });
  const perRole = (pick: (st: NonNullable<Heartbeat['stats'][string]>) => number): Sample[] =>
    beats.flatMap((b) =>
      Object.entries(b.stats).map(([role, st]) => ({ labels: { role, ...proc(b) }, value: pick(st) })),
    );
  const histograms: Sample[] = beats.flatMap((b) =>
    Object.entries(b.stats).flatMap(([role, st]) => {
      if (!st.histogram) return [];
      const buckets = cumulativeBuckets(st.histogram);
      return [
        ...buckets.map((x) => ({ labels: { role, ...proc(b), le: x.le }, value: x.count, suffix: '_bucket' })),
        { labels: { role, ...proc(b) }, value: buckets.at(-1)?.count ?? 0, suffix: '_count' },
      ];
    }),
  );
  const tiles = [...snap.board.groups.flatMap((g) => g.tiles), ...snap.board.tucked];
  const metrics: Metric[] = [
    {
      name: 'hydra_process_up',
      help: '1 while a process heartbeat is fresh, 0 once it is silent.',
      type: 'gauge',
      samples: beats.map((b) => ({
        labels: { ...proc(b), roles: b.roles.join(',') },
        value: heartbeatLive(b, now) ? 1 : 0,
      })),
    },
    {
      name: 'hydra_process_uptime_seconds',
      help: 'Seconds since the process started.',
      type: 'gauge',
      samples: beats.map((b) => ({ labels: proc(b), value: Math.round((now - Date.parse(b.startedAt)) / 1000) })),
    },
    {
      name: 'hydra_role_live',
      help: '1 when some live process runs the role.',
      type: 'gauge',
      samples: roleHealth(beats, expectedRoles, now).map((r) => ({ labels: { role: r.role }, value: r.live ? 1 : 0 })),
    },
    {
      name: 'hydra_role_handled_total',
      help: 'Messages a role has handled since its process started.',
      type: 'counter',
      samples: perRole((st) => st.handled),
    },
    {
      name: 'hydra_role_failed_total',
      help: 'Messages a role could not handle since its process started.',
      type: 'counter',
      samples: perRole((st) => st.failed),
    },
    {
      name: 'hydra_role_last_processing_ms',
      help: 'Processing time of the last message or batch, in ms.',
      type: 'gauge',
      samples: perRole((st) => st.lastMs),
    },
    ...(histograms.length
      ? [
          {
            name: 'hydra_role_processing_ms',
            help: 'Processing time per message, in ms.',
            type: 'histogram' as const,
            samples: histograms,
          },
        ]
      : []),
    {
      name: 'hydra_stream_messages',
      help: 'Events in the stream.',
      type: 'gauge',
      samples: [{ value: s.stream.messages }],
    },
    {
      name: 'hydra_stream_last_seq',
      help: 'Sequence of the newest event.',
      type: 'gauge',
      samples: [{ value: s.stream.lastSeq }],
    },
    {
      name: 'hydra_projection_checkpoint',
      help: 'Last stream sequence a read model has applied.',
      type: 'gauge',
      samples: s.projections.map((p) => ({ labels: { projection: p.name }, value: p.checkpoint })),
    },
    {
      name: 'hydra_projection_pending',
      help: 'Events a read model has not applied yet.',
      type: 'gauge',
      samples: s.projections
        .filter((p) => p.pending !== null)
        .map((p) => ({ labels: { projection: p.name }, value: p.pending! })),
    },
    {
      name: 'hydra_consumer_pending',
      help: 'Messages waiting for a durable consumer.',
      type: 'gauge',
      samples: s.consumers.map((c) => ({ labels: { consumer: c.name }, value: c.pending })),
    },
    {
      name: 'hydra_consumer_ack_pending',
      help: 'Messages delivered to a durable consumer and not yet acknowledged.',
      type: 'gauge',
      samples: s.consumers.map((c) => ({ labels: { consumer: c.name }, value: c.ackPending })),
    },
    {
      name: 'hydra_consumer_redelivered',
      help: 'Messages redelivered to a durable consumer.',
      type: 'gauge',
      samples: s.consumers.map((c) => ({ labels: { consumer: c.name }, value: c.redelivered })),
    },
    {
      name: 'hydra_dead_letters',
      help: 'Events parked by a read model.',
      type: 'gauge',
      samples: s.deadLetterCounts.map((d) => ({ labels: { projection: d.projection }, value: d.n })),
    },
    {
      name: 'hydra_plot_problem',
      help: '1 while a plot type shows a confirmed problem label, 0.5 while Unconfirmed, else 0.',
      type: 'gauge',
      samples: tiles.map((t) => ({
        labels: { plot_type: t.plotType, detector: t.detector, state: t.state },
        value: t.state === 'bad' ? 1 : t.state === 'unconfirmed' ? 0.5 : 0,
      })),
    },
    {
      name: 'hydra_plot_confidence',
      help: 'Confidence of the latest verdict per plot type.',
      type: 'gauge',
      samples: tiles
        .filter((t) => t.confidence !== null)
        .map((t) => ({ labels: { plot_type: t.plotType, verdict: t.label ?? '' }, value: t.confidence! })),
    },
    {
      name: 'hydra_plot_last_image_age_seconds',
      help: 'Seconds since the newest image of a plot type arrived.',
      type: 'gauge',
      samples: tiles
        .filter((t) => t.lastArrivedAt)
        .map((t) => ({
          labels: { plot_type: t.plotType },
          value: Math.round((now - Date.parse(t.lastArrivedAt!)) / 1000),
        })),
    },
    {
      name: 'hydra_alarms_open',
      help: 'Alarms raised and not resolved.',
      type: 'gauge',
      samples: [{ value: snap.data.alarms.length }],
    },
    {
      name: 'hydra_http_live_viewers',
      help: 'Open live (SSE) connections to the Run page.',
      type: 'gauge',
      samples: [{ value: viewers }],
    },
  ];
  return metrics;
}
