import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { HydraEventOf } from '../events/catalog.ts';
import { isConcurrencyConflict } from '../events/errors.ts';
import { readItem, type EventLog } from '../events/log.ts';
import { alarmPolicySchema } from '../events/plottype.ts';
import type { PlotTypeCache } from '../plottypes/cache.ts';
import { alarmClass } from '../verdicts/semantics.ts';
import { decide, evolveAlarm, evolveVerdict, type DecisionContext, type PlotAlarmState } from './policy.ts';
import { lastEvent, type AlarmStateStore } from './store.ts';
import { setTimeout as sleep } from 'node:timers/promises';

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

/**
 * `hydra worker alarms`: turns verdicts into alarm episodes. One durable pull consumer on
 * inference.completed with max_ack_pending 1 hands out one verdict at a time in stream order, so any
 * number of alarm workers take turns without reordering a plot type's verdicts. Per verdict: read the
 * plot type's state, decide (pure), append (deterministic ids, expected subject sequences), save the
 * state (compare-and-set), acknowledge. A crash anywhere repeats the verdict; the repeat stores nothing twice.
 */
export class AlarmWorker {
  readonly stats: AlarmWorkerStats = { handled: 0, failed: 0, lastMs: 0, raised: 0, resolved: 0 };
  private stopped = false;
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly plotTypes: PlotTypeCache,
    private readonly store: AlarmStateStore,
    private readonly opts: AlarmWorkerOptions = {},
  ) {}

  get consumerName(): string {
    return this.log.names.consumer('alarms');
  }

  /** Creates the durable consumer (if new: from the first verdict in the stream) and starts consuming. */
  async start(): Promise<void> {
    const { jsm, names } = this.log;
    try {
      await jsm.consumers.info(names.stream, this.consumerName);
    } catch (err) {
      if (!(err instanceof JetStreamApiError)) throw err;
      await jsm.consumers.add(names.stream, {
        durable_name: this.consumerName,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: names.filter('inference.completed'),
        max_ack_pending: 1,
        ack_wait: (this.opts.ackWaitMs ?? 30_000) * 1_000_000,
        max_deliver: -1,
      });
    }
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        const consumer = await this.log.js.consumers.get(this.log.names.stream, this.consumerName);
        this.messages = await consumer.consume({ max_messages: 64 });
        if (this.stopped) await this.messages.close();
        for await (const m of this.messages) {
          await this.onMessage(m);
          backoff = 100;
        }
      } catch (err) {
        if (this.stopped) break;
        this.opts.logger?.(`alarms: ${(err as Error).message}; resuming`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async onMessage(m: JsMsg): Promise<void> {
    const t0 = performance.now();
    const item = readItem(m.data, m.seq, m.subject);
    if (!item.ok || item.event.type !== 'inference.completed') {
      this.stats.failed++;
      this.opts.logger?.(`alarms: seq ${m.seq} is not a readable inference.completed; skipped`);
      m.term();
      return;
    }
    try {
      await this.handle(item.event);
      m.ack();
      this.stats.handled++;
    } catch (err) {
      // Never dies of one verdict: it comes back (in order: nothing else is handed out meanwhile).
      this.stats.failed++;
      this.opts.logger?.(`alarms: verdict seq ${m.seq}: ${(err as Error).message}; retrying`);
      m.nak(Math.min(200 * 2 ** Math.min(m.info.deliveryCount, 8), 10_000));
    }
    this.stats.lastMs = performance.now() - t0;
  }

  /** Decides on one verdict and makes its consequences durable (exported for the worker's own tests). */
  async handle(v: HydraEventOf<'inference.completed'>): Promise<void> {
    const plotType = v.data.plotType;
    const spec = this.plotTypes.get(plotType);
    const semantics = spec ?? { labels: [], alarmPolicy: DEFAULT_POLICY };
    const run =
      alarmClass(semantics, v.data) === 'alarming'
        ? ((await lastEvent(this.log, 'image.arrived', v.data.imageId))?.data.run ?? 0)
        : 0;
    const ctx: DecisionContext = { spec: semantics, detector: spec?.detector ?? 'unknown', run };
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
