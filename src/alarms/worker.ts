import type { HydraEventOf } from '../events/catalog.ts';
import { isConcurrencyConflict } from '../events/errors.ts';
import type { EventLog } from '../events/log.ts';
import {
  ack,
  DurableConsumer,
  nak,
  retryDelayMs,
  term,
  type ConsumerStats,
  type Delivery,
  type Outcome,
} from '../events/consume/index.ts';
import { alarmPolicySchema } from '../events/plottype.ts';
import type { PlotTypeCache } from '../plottypes/cache.ts';
import { decide, evolveAlarm, evolveVerdict, type DecisionContext, type PlotAlarmState } from './policy.ts';
import type { AlarmStateStore } from './store.ts';

export interface AlarmWorkerStats {
  handled: number;
  failed: number;
  lastMs: number;
  raised: number;
  resolved: number;
}

export interface AlarmWorkerOptions {
  readonly logger?: (line: string) => void;
  /** How long a verdict in hand may take before JetStream gives it to another alarm worker. */
  readonly ackWaitMs?: number;
}

const DEFAULT_POLICY = alarmPolicySchema.parse({});
/** A verdict that failed comes back after 400 ms, doubling to 10 s. */
const RETRY = { baseMs: 200, maxMs: 10_000 };

/**
 * `hydra worker alarms`: turns verdicts into alarm episodes. One durable pull consumer on
 * inference.completed with max_ack_pending 1 hands out one verdict at a time in stream order, so any
 * number of alarm workers take turns without reordering a plot type's verdicts. Per verdict: read the
 * plot type's state, decide (pure), append (deterministic ids, expected subject sequences), save the
 * state (compare-and-set), acknowledge. A crash anywhere repeats the verdict; the repeat stores nothing twice.
 */
export class AlarmWorker {
  readonly stats: AlarmWorkerStats = { handled: 0, failed: 0, lastMs: 0, raised: 0, resolved: 0 };
  private readonly consumer: DurableConsumer;

  constructor(
    private readonly log: EventLog,
    private readonly plotTypes: PlotTypeCache,
    private readonly store: AlarmStateStore,
    private readonly opts: AlarmWorkerOptions = {},
  ) {
    this.consumer = new DurableConsumer(
      log,
      {
        durable: this.consumerName,
        filter: log.names.filter('inference.completed'),
        deliver: 'all',
        ackWaitMs: opts.ackWaitMs ?? 30_000,
        // One verdict out at a time, over every alarm worker: a plot type's verdicts stay in order.
        maxAckPending: 1,
        capacity: 1,
      },
      { kind: 'each', handle: (d) => this.onDelivery(d) },
      (line) => opts.logger?.(`alarms: ${line}`),
    );
  }

  get consumerName(): string {
    return this.log.names.consumer('alarms');
  }

  get consumerStats(): ConsumerStats {
    return this.consumer.stats;
  }

  /** Creates the durable consumer (if new: from the first verdict in the stream) and starts consuming. */
  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  private async onDelivery(d: Delivery): Promise<Outcome> {
    const t0 = performance.now();
    const item = d.read();
    if (!item.ok || item.event.type !== 'inference.completed') {
      this.stats.failed++;
      this.opts.logger?.(`alarms: seq ${d.seq} is not a readable inference.completed; skipped`);
      return term('not a readable inference.completed');
    }
    try {
      await this.handle(item.event);
      this.stats.handled++;
      return ack;
    } catch (err) {
      // Never dies of one verdict: it comes back (in order: nothing else is handed out meanwhile).
      this.stats.failed++;
      this.opts.logger?.(`alarms: verdict seq ${d.seq}: ${(err as Error).message}; retrying`);
      return nak(retryDelayMs(d.deliveryCount + 1, RETRY));
    } finally {
      this.stats.lastMs = performance.now() - t0;
    }
  }

  /** Decides on one verdict and makes its consequences durable (exported for the worker's own tests). */
  async handle(v: HydraEventOf<'inference.completed'>): Promise<void> {
    const plotType = v.data.plotType;
    const spec = this.plotTypes.get(plotType);
    const semantics = spec ?? { labels: [], alarmPolicy: DEFAULT_POLICY };
    // Where the verdict's arrival was observed (version 1 verdicts do not say): a streak or an alarm may start with it.
    const { run, chunk, arrivedAt } = v.data;
    const ctx: DecisionContext = {
      spec: semantics,
      detector: spec?.detector ?? 'unknown',
      ...(run !== undefined ? { run } : {}),
      ...(chunk !== undefined ? { chunk } : {}),
      ...(arrivedAt !== undefined ? { arrivedAt: new Date(arrivedAt).toISOString() } : {}),
    };
    const loaded = await this.store.load(plotType);
    let state = loaded.state;
    for (let attempt = 0; ; attempt++) {
      try {
        const next = await this.apply(state, v, ctx);
        if (loaded.revision === null || JSON.stringify(next) !== JSON.stringify(loaded.state)) {
          await this.store.save(plotType, next, loaded.revision);
        }
        return;
      } catch (err) {
        // The stream is ahead of the saved state (a crash after an append, or another worker):
        // take the episodes from the stream and decide again.
        if (!isConcurrencyConflict(err) || attempt >= 3) throw err;
        state = await this.store.fromStream(state);
      }
    }
  }

  private async apply(
    state: PlotAlarmState,
    v: HydraEventOf<'inference.completed'>,
    ctx: DecisionContext,
  ): Promise<PlotAlarmState> {
    const events = decide(state, v, ctx);
    let next = evolveVerdict(state, v, ctx);
    for (const e of events) {
      const r = await this.log.append(e);
      next = evolveAlarm(next, { type: e.type, seq: r.seq, data: e.data } as Parameters<typeof evolveAlarm>[1]);
      if (r.duplicate) continue;
      if (e.type === 'alarm.raised') this.stats.raised++;
      else this.stats.resolved++;
      this.opts.logger?.(`alarms: ${e.type} ${e.data.alarmId}`);
    }
    return next;
  }
}
