import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { readItem, type EventLog } from '../../events/log.ts';
import { AlarmBook, isAlarmEvent } from '../book.ts';
import { retryDelayMs } from './message.ts';
import type { NotifyTarget } from './targets.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface NotifyStats {
  handled: number;
  failed: number;
  lastMs: number;
  /** When the notification now waiting for the target was first refused (null: none waiting). */
  failingSince: string | null;
  lastError: string | null;
}

export interface NotifyRunnerOptions {
  readonly retryMaxMs: number;
  readonly retryBaseMs?: number;
  readonly logger?: (line: string) => void;
  /** Longer than one send may take (the notify timeout). */
  readonly ackWaitMs?: number;
}

/**
 * Delivers alarm events to one target from the target's own durable consumer on alarm.*: acknowledged
 * only once the target accepted, otherwise nak'd with a growing delay and tried again, for ever. With
 * max_ack_pending 1 nothing overtakes a refused notification, so a target sees raised and resolved in
 * stream order. A new consumer starts at the events appended from then on.
 */
export class NotifyRunner {
  readonly stats: NotifyStats = { handled: 0, failed: 0, lastMs: 0, failingSince: null, lastError: null };
  private book = new AlarmBook();
  private stopped = false;
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private exclusive: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: EventLog,
    readonly target: NotifyTarget,
    private readonly opts: NotifyRunnerOptions,
  ) {}

  get consumerName(): string {
    return this.log.names.consumer(`notify_${this.target.name}`);
  }

  async start(): Promise<void> {
    const { jsm, names } = this.log;
    try {
      await jsm.consumers.info(names.stream, this.consumerName);
    } catch (err) {
      if (!(err instanceof JetStreamApiError)) throw err;
      await jsm.consumers.add(names.stream, {
        durable_name: this.consumerName,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.New,
        filter_subject: names.filter('alarm'),
        max_ack_pending: 1,
        max_deliver: -1,
        ack_wait: (this.opts.ackWaitMs ?? 60_000) * 1_000_000,
      });
    }
    // After the consumer exists, so that together they miss nothing.
    this.book = await AlarmBook.load(this.log);
    this.loop ??= this.run();
    const { refresh, refreshMs } = this.target;
    if (refresh && refreshMs) {
      const tick = () =>
        void this.serially(() => refresh.call(this.target, this.book.open())).catch((err: unknown) => {
          this.opts.logger?.(`notify ${this.target.name}: re-sending open alarms: ${(err as Error).message}`);
        });
      tick();
      this.timer = setInterval(tick, refreshMs);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.messages?.close().catch(() => undefined);
    await this.loop;
    await this.exclusive.catch(() => undefined);
    this.loop = null;
  }

  /** Sends and refreshes never overlap, so a refresh cannot land after the resolution it predates. */
  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.exclusive.then(fn, fn);
    this.exclusive = p.catch(() => undefined);
    return p;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        const consumer = await this.log.js.consumers.get(this.log.names.stream, this.consumerName);
        this.messages = await consumer.consume({ max_messages: 16 });
        if (this.stopped) await this.messages.close();
        for await (const m of this.messages) {
          await this.onMessage(m);
          backoff = 100;
        }
      } catch (err) {
        if (this.stopped) break;
        this.opts.logger?.(`notify ${this.target.name}: ${(err as Error).message}; resuming`);
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async onMessage(m: JsMsg): Promise<void> {
    const t0 = performance.now();
    const item = readItem(m.data, m.seq, m.subject);
    if (!item.ok || !isAlarmEvent(item.event)) {
      m.term();
      return;
    }
    const e = item.event;
    this.book.apply(e);
    try {
      await this.serially(() => this.target.send(e, this.book.get(e.data.alarmId, e.seq)));
      m.ack();
      this.stats.handled++;
      if (this.stats.failingSince) this.opts.logger?.(`notify ${this.target.name}: delivering again`);
      this.stats.failingSince = null;
    } catch (err) {
      const delay = retryDelayMs(m.info.deliveryCount, this.opts.retryMaxMs, this.opts.retryBaseMs);
      this.stats.failed++;
      this.stats.lastError = (err as Error).message;
      if (!this.stats.failingSince) {
        this.stats.failingSince = new Date().toISOString();
        this.opts.logger?.(`notify ${this.target.name}: ${(err as Error).message}; retrying (nothing is dropped)`);
      }
      m.nak(delay);
    }
    this.stats.lastMs = performance.now() - t0;
  }
}
