import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import type { EventLog } from '../log.ts';
import { deliveryOfMsg, nak, retryDelayMs, type Delivery, type Outcome, type RetryBackoff } from './delivery.ts';
import { emptyStats, recordBatch, type ConsumerStats } from './stats.ts';

/** What one durable consumer is: its server-side settings and how the runtime feeds its handler. */
export interface ConsumerSpec {
  /** The durable's full name (`names.consumer(...)`). */
  readonly durable: string;
  /** The one filter subject (nats-server 2.9 takes one). */
  readonly filter: string;
  /** Where a new durable starts: the first event in the stream, or the events appended from now on. */
  readonly deliver?: 'all' | 'new';
  /**
   * Recreates the durable at the returned stream sequence at every (re)start, instead of creating it
   * when missing: the projections' checkpoint is the truth. null: not now (another runner holds it).
   */
  readonly recreateAt?: () => Promise<number | null>;
  readonly ackWaitMs: number;
  /** Deliveries before the server gives up on a message (-1: never). */
  readonly maxDeliver?: number;
  /** Messages delivered and not yet acknowledged, over every worker sharing the durable. */
  readonly maxAckPending?: number;
  /**
   * Messages this worker holds at once, in hand and fetched ahead (default: one batch more than the
   * handler has in hand at most). The next fetch overlaps the handling of the current batch; 1 fetches
   * nothing ahead (long jobs).
   */
  readonly capacity?: number;
  /**
   * A handler that throws: `retry` (default) hands the messages back with a growing delay and goes on;
   * `restart` ends consuming, which starts again from `recreateAt` after a backoff.
   */
  readonly onError?: 'retry' | 'restart';
  readonly retry?: RetryBackoff;
  /** Called each time consuming ends (an error, or stop): gives back what `recreateAt` took. */
  readonly released?: (err?: unknown) => Promise<void>;
  /** Errors that are part of normal operation (a replay pausing a projection): no log line, no restart count. */
  readonly quiet?: (err: unknown) => boolean;
}

export interface HandlerContext {
  /** Aborted when the consumer stops: a long job cancels and hands its message back. */
  readonly signal: AbortSignal;
}

/** One message at a time, or up to `maxBatch` of those already fetched (never waiting to fill a batch). */
export type Handler =
  | { readonly kind: 'each'; handle(d: Delivery, ctx: HandlerContext): Promise<Outcome> }
  | {
      readonly kind: 'batch';
      readonly maxBatch: number;
      /**
       * Batches handled at once (default 1). With 2, the next batch starts while the last one waits (on the
       * model, on its appends), so one batch's decoding overlaps the other's I/O; each batch is acknowledged
       * when its own handling ends, so outcomes of neighbouring batches may be decided out of stream order.
       */
      readonly concurrent?: number;
      handle(ds: readonly Delivery[], ctx: HandlerContext): Promise<readonly Outcome[]>;
    };

const FETCH_EXPIRES_MS = 5_000;
const STANDBY_MS = 200;
const BACKOFF: RetryBackoff = { baseMs: 100, maxMs: 5_000 };
const RETRY: RetryBackoff = { baseMs: 500, maxMs: 30_000 };
const LOG_SAME_ERROR_EVERY_MS = 30_000;

const isNotFound = (err: unknown) =>
  err instanceof JetStreamApiError && err.code === JetStreamApiCodes.ConsumerNotFound;

interface Fetched {
  readonly msg: JsMsg;
  readonly at: number;
}

/**
 * The one way Hydra consumes a durable: creates (or recreates) it, fetches ahead while the handler
 * works, acknowledges by the handler's outcome, keeps long jobs alive with `working()`, restarts with
 * backoff when NATS or the consumer goes away, pulls again at once after a reconnect, and on stop
 * finishes the message in hand and hands back the ones fetched ahead.
 */
export class DurableConsumer {
  readonly stats: ConsumerStats;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private fetching: ConsumerMessages | null = null;
  private endSession: (() => void) | null = null;
  private readonly abort = new AbortController();
  private readonly interrupt = new Wake();
  private connection: { stop(): void } | null = null;
  private lastLogged = { text: '', at: 0 };

  constructor(
    private readonly log: EventLog,
    readonly spec: ConsumerSpec,
    private readonly handler: Handler,
    private readonly say: (line: string) => void = () => undefined,
  ) {
    this.stats = emptyStats(spec.durable);
  }

  /**
   * Creates the durable and starts consuming. Throws when the first attempt fails (the server
   * refused it, the database under `recreateAt` is down): a worker that cannot start must say so.
   */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stats.state = 'starting';
    let ready: boolean;
    try {
      ready = await this.prepare();
    } catch (err) {
      this.stats.state = 'stopped';
      await this.spec.released?.(err).catch(() => undefined);
      throw err;
    }
    this.watchConnection();
    this.loop = this.run(ready);
  }

  /** Finishes the message (or batch) in hand, hands back what was fetched ahead, and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.interrupt.wake();
    this.endSession?.();
    await this.loop;
    this.connection?.stop();
    this.loop = null;
  }

  private async run(ready: boolean): Promise<void> {
    let attempt = 0;
    while (!this.stopping) {
      try {
        if (!ready) ready = await this.prepare();
        if (!ready) {
          this.stats.state = 'standby';
          await this.pause(STANDBY_MS);
          continue;
        }
        attempt = 0;
        this.stats.state = 'consuming';
        await this.session();
      } catch (err) {
        if (this.stopping) break;
        await this.spec.released?.(err).catch(() => undefined);
        const quiet = this.spec.quiet?.(err) ?? false;
        if (!quiet) {
          this.stats.restarts++;
          this.note(err, 'restarting');
        }
        this.stats.state = 'restarting';
        await this.pause(retryDelayMs(++attempt, BACKOFF));
      }
      ready = false;
    }
    this.stats.state = 'stopped';
    await this.spec.released?.().catch(() => undefined);
  }

  /** True when the durable is there to consume from; false when `recreateAt` says not now. */
  private async prepare(): Promise<boolean> {
    if (!this.spec.recreateAt) {
      await this.ensure();
      return true;
    }
    const seq = await this.spec.recreateAt();
    if (seq === null) return false;
    await this.recreate(seq);
    return true;
  }

  private config(): Partial<ConsumerConfig> & { durable_name: string } {
    return {
      durable_name: this.spec.durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: this.spec.filter,
      ack_wait: this.spec.ackWaitMs * 1_000_000,
      max_deliver: this.spec.maxDeliver ?? -1,
      max_ack_pending: this.spec.maxAckPending ?? 1000,
    };
  }

  /** Creates the durable when missing; brings an existing one's settings up to date (its position stays). */
  private async ensure(): Promise<void> {
    const { jsm, names } = this.log;
    const want = this.config();
    let info: ConsumerInfo | null = null;
    try {
      info = await jsm.consumers.info(names.stream, this.spec.durable);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!info) {
      const deliver_policy = this.spec.deliver === 'new' ? DeliverPolicy.New : DeliverPolicy.All;
      try {
        await jsm.consumers.add(names.stream, { ...want, deliver_policy });
      } catch (err) {
        // Another worker sharing the durable created it first: fine, as long as it is there now.
        if (!(err instanceof JetStreamApiError)) throw err;
        await jsm.consumers.info(names.stream, this.spec.durable);
      }
      return;
    }
    const c = info.config;
    if (c.filter_subject !== want.filter_subject)
      throw new Error(
        `consumer ${this.spec.durable} filters ${c.filter_subject ?? '(nothing)'}, not ${want.filter_subject}: delete it to let Hydra recreate it`,
      );
    if (
      c.ack_wait !== want.ack_wait ||
      c.max_deliver !== want.max_deliver ||
      c.max_ack_pending !== want.max_ack_pending
    )
      await jsm.consumers.update(names.stream, this.spec.durable, {
        ack_wait: want.ack_wait,
        max_deliver: want.max_deliver,
        max_ack_pending: want.max_ack_pending,
      });
  }

  /** Replaces the durable by one that starts at `seq`: nothing redelivered can arrive behind newer events. */
  private async recreate(seq: number): Promise<void> {
    const { jsm, names } = this.log;
    await jsm.consumers.delete(names.stream, this.spec.durable).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    await jsm.consumers.add(names.stream, {
      ...this.config(),
      deliver_policy: seq <= 1 ? DeliverPolicy.All : DeliverPolicy.StartSequence,
      ...(seq > 1 ? { opt_start_seq: seq } : {}),
    });
  }

  /**
   * Consumes until stopped or something breaks. A fetcher keeps up to `capacity` messages in hand or
   * queued; the handler takes what is queued (a batch never waits to fill). When fetching breaks
   * (NATS gone, consumer deleted, heartbeats missed) what is queued is still handled, then it throws.
   */
  private async session(): Promise<void> {
    const consumer = await this.log.js.consumers.get(this.log.names.stream, this.spec.durable);
    const maxBatch = this.handler.kind === 'batch' ? this.handler.maxBatch : 1;
    const concurrent = Math.max(1, this.handler.kind === 'batch' ? (this.handler.concurrent ?? 1) : 1);
    const capacity = Math.max(1, this.spec.capacity ?? (concurrent + 1) * maxBatch);
    const queue: Fetched[] = [];
    const work = new Wake();
    const space = new Wake();
    let inHand = 0;
    let over = false;
    let failure: unknown = null;
    const end = (err?: unknown) => {
      if (err !== undefined && failure === null) failure = err;
      over = true;
      work.wake();
      space.wake();
      void this.fetching?.close().catch(() => undefined);
    };
    this.endSession = () => end();

    const fetcher = (async () => {
      while (!over && !this.stopping) {
        const room = capacity - queue.length - inHand;
        if (room <= 0) {
          await space.wait();
          continue;
        }
        const messages = await consumer.fetch({ max_messages: room, expires: FETCH_EXPIRES_MS });
        this.fetching = messages;
        if (over || this.stopping) {
          await messages.close();
          break;
        }
        this.watchNotices(messages);
        try {
          for await (const msg of messages) {
            queue.push({ msg, at: Date.now() });
            this.stats.received++;
            work.wake();
          }
        } finally {
          if (this.fetching === messages) this.fetching = null;
        }
      }
    })().catch(end);

    // One lane per batch handled at once. A handler that asks for a restart ends every lane's taking (what the
    // others have in hand is finished); a fetch that breaks lets them handle what is queued first.
    let laneFailed = false;
    const lane = async () => {
      while (!this.stopping && !laneFailed) {
        if (queue.length === 0) {
          if (over) return;
          await work.wait();
          continue;
        }
        const take = queue.splice(0, maxBatch);
        inHand += take.length;
        try {
          await this.process(take);
        } finally {
          inHand -= take.length;
          space.wake();
        }
      }
    };
    const handling = Promise.all(
      Array.from({ length: concurrent }, () =>
        lane().catch((err: unknown) => {
          laneFailed = true;
          end(err);
        }),
      ),
    );

    await handling;
    end();
    await fetcher;
    this.endSession = null;
    // Fetched ahead and not handled: straight back to the stream for whoever is still running.
    for (const f of queue.splice(0)) f.msg.nak();
    if (failure !== null) throw failure;
  }

  private async process(take: readonly Fetched[]): Promise<void> {
    const t0 = performance.now();
    const msgs = take.map((f) => f.msg);
    const deliveries = take.map((f) => deliveryOfMsg(f.msg, f.at));
    // A job longer than a third of the ack wait tells the server it is still at work.
    const keepAlive = setInterval(
      () => {
        for (const m of msgs) m.working();
      },
      Math.max(500, this.spec.ackWaitMs / 3),
    );
    let outcomes: readonly Outcome[];
    const ctx: HandlerContext = { signal: this.abort.signal };
    try {
      outcomes =
        this.handler.kind === 'batch'
          ? await this.handler.handle(deliveries, ctx)
          : [await this.handler.handle(deliveries[0]!, ctx)];
      if (outcomes.length !== msgs.length)
        throw new Error(`the handler decided ${outcomes.length} outcomes for ${msgs.length} messages`);
    } catch (err) {
      this.stats.handlerErrors++;
      if (this.spec.onError === 'restart') {
        for (const m of msgs) m.nak();
        throw err;
      }
      const span = msgs.length > 1 ? `seq ${msgs[0]!.seq}..${msgs.at(-1)!.seq}` : `seq ${msgs[0]!.seq}`;
      this.note(err, `${span} handed back to try again`);
      outcomes = msgs.map((m) => nak(retryDelayMs(m.info.deliveryCount, this.spec.retry ?? RETRY)));
    } finally {
      clearInterval(keepAlive);
    }
    msgs.forEach((m, i) => {
      const o = outcomes[i]!;
      if (o.kind === 'ack') m.ack();
      else if (o.kind === 'nak') m.nak(o.delayMs);
      // No reason on the wire: nats-server 2.9 does not read "+TERM <reason>" and leaves the message pending.
      else m.term();
    });
    recordBatch(this.stats, outcomes, performance.now() - t0);
  }

  /** After NATS reconnects, the server may have lost the waiting pull: pull again at once, and cut any backoff short. */
  private watchConnection(): void {
    // nats.js hands out a queued iterator that can be stopped; the type says only AsyncIterable.
    const status = this.log.nc.status() as AsyncIterable<{ type: string }> & { stop?(): void };
    this.connection = { stop: () => status.stop?.() };
    void (async () => {
      for await (const s of status) {
        if (s.type === 'disconnect') this.stats.disconnects++;
        if (s.type !== 'reconnect') continue;
        this.stats.reconnects++;
        void this.fetching?.close().catch(() => undefined);
        this.interrupt.wake();
      }
    })().catch(() => undefined);
  }

  /** The server's notices about a pull (heartbeats missed, consumer deleted): counted for the Status page. */
  private watchNotices(messages: ConsumerMessages): void {
    void (async () => {
      for await (const n of messages.status()) {
        if (n.type === 'next' || n.type === 'heartbeat' || n.type === 'debug' || n.type === 'discard') continue;
        this.stats.notices[n.type] = (this.stats.notices[n.type] ?? 0) + 1;
      }
    })().catch(() => undefined);
  }

  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, ms))), this.interrupt.wait()]);
    clearTimeout(timer);
  }

  /** One line per distinct trouble, repeated at most every 30 s. */
  private note(err: unknown, what: string): void {
    const text = (err as Error)?.message ?? String(err);
    const now = Date.now();
    this.stats.lastError = text;
    this.stats.lastErrorAt = new Date(now).toISOString();
    if (text === this.lastLogged.text && now - this.lastLogged.at < LOG_SAME_ERROR_EVERY_MS) return;
    this.lastLogged = { text, at: now };
    this.say(`${this.spec.durable}: ${text}; ${what}`);
  }
}

/** A promise many can wait on, resolved for all of them at once. */
class Wake {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
