import type { EventLog } from '../../events/log.ts';
import {
  ack,
  DurableConsumer,
  nak,
  retryDelayMs,
  term,
  type ConsumerStats,
  type Delivery,
  type Outcome,
} from '../../events/consume/index.ts';
import { AlarmBook, isAlarmEvent } from '../book.ts';
import type { NotifyTarget } from './targets.ts';

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
  private timer: NodeJS.Timeout | null = null;
  private exclusive: Promise<unknown> = Promise.resolve();
  private bookLoaded: Promise<void> = Promise.resolve();
  private readonly consumer: DurableConsumer;

  constructor(
    private readonly log: EventLog,
    readonly target: NotifyTarget,
    private readonly opts: NotifyRunnerOptions,
  ) {
    this.consumer = new DurableConsumer(
      log,
      {
        durable: this.consumerName,
        filter: log.names.filter('alarm'),
        deliver: 'new',
        ackWaitMs: opts.ackWaitMs ?? 60_000,
        // Nothing overtakes a refused notification.
        maxAckPending: 1,
        capacity: 1,
      },
      { kind: 'each', handle: (d) => this.onDelivery(d) },
      (line) => opts.logger?.(`notify ${target.name}: ${line}`),
    );
  }

  get consumerName(): string {
    return this.log.names.consumer(`notify_${this.target.name}`);
  }

  get consumerStats(): ConsumerStats {
    return this.consumer.stats;
  }

  async start(): Promise<void> {
    // The book is read after the durable exists, so that together they miss nothing; deliveries
    // wait for it.
    let loaded!: () => void;
    this.bookLoaded = new Promise((r) => (loaded = r));
    await this.consumer.start();
    this.book = await AlarmBook.load(this.log);
    loaded();
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
    if (this.timer) clearInterval(this.timer);
    await this.consumer.stop();
    await this.exclusive.catch(() => undefined);
  }

  /** Sends and refreshes never overlap, so a refresh cannot land after the resolution it predates. */
  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.exclusive.then(fn, fn);
    this.exclusive = p.catch(() => undefined);
    return p;
  }

  private async onDelivery(d: Delivery): Promise<Outcome> {
    await this.bookLoaded;
    const t0 = performance.now();
    const item = d.read();
    if (!item.ok || !isAlarmEvent(item.event)) return term('not a readable alarm event');
    const e = item.event;
    this.book.apply(e);
    try {
      await this.serially(() => this.target.send(e, this.book.get(e.data.alarmId, e.seq)));
      this.stats.handled++;
      if (this.stats.failingSince) this.opts.logger?.(`notify ${this.target.name}: delivering again`);
      this.stats.failingSince = null;
      return ack;
    } catch (err) {
      this.stats.failed++;
      this.stats.lastError = (err as Error).message;
      if (!this.stats.failingSince) {
        this.stats.failingSince = new Date().toISOString();
        this.opts.logger?.(`notify ${this.target.name}: ${(err as Error).message}; retrying (nothing is dropped)`);
      }
      return nak(retryDelayMs(d.deliveryCount, { baseMs: this.opts.retryBaseMs ?? 1000, maxMs: this.opts.retryMaxMs }));
    } finally {
      this.stats.lastMs = performance.now() - t0;
    }
  }
}
