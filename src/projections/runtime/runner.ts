import { createHash } from 'node:crypto';
import type { Connection, Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Database } from '../../db/connection.ts';
import { AckPolicy, DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { readItem, type EventLog, type ReadItem } from '../../events/log.ts';
import { applyOrPark, ProjectionPausedError } from './apply.ts';
import { readCheckpoint } from './checkpoints.ts';
import { filterFor, type AnyProjection } from './projection.ts';
import { RowStore } from './store.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunnerStats {
  readonly projection: string;
  handled: number;
  parked: number;
  batches: number;
  lastBatchMs: number;
  lastSeq: number;
  active: boolean;
}

export interface ProjectionLag {
  readonly projection: string;
  readonly checkpoint: number;
  readonly streamLastSeq: number;
  /** Messages matching the filter not yet delivered, plus delivered but not acknowledged. */
  readonly pending: number;
}

type Logger = (line: string) => void;

/**
 * Feeds one projection from its own durable pull consumer. The database checkpoint is the truth:
 * at every (re)start the consumer is recreated at checkpoint+1, so redeliveries after a crash can
 * never arrive behind newer events. One runner per projection holds a database lock; others wait.
 */
export class ProjectionRunner {
  readonly stats: RunnerStats;
  private readonly store: RowStore;
  private stopped = false;
  private messages: ConsumerMessages | null = null;
  private lockConn: Connection | null = null;
  private loop: Promise<void> | null = null;

  private readonly pool: Pool;

  constructor(
    private readonly database: Database,
    private readonly log: EventLog,
    readonly projection: AnyProjection,
    private readonly opts: { batchSize?: number; logger?: Logger } = {},
  ) {
    this.pool = database.pool;
    this.store = new RowStore(projection);
    this.stats = {
      projection: projection.name,
      handled: 0,
      parked: 0,
      batches: 0,
      lastBatchMs: 0,
      lastSeq: 0,
      active: false,
    };
  }

  get consumerName(): string {
    return this.log.names.consumer(`proj_${this.projection.name}`);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Finishes the batch in hand, closes the consumer and releases the lock. */
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
        if (!(await this.holdLock())) continue;
        const cp = await this.withConn((c) => readCheckpoint(c, this.projection.name));
        if (cp.paused) {
          await sleep(200);
          continue;
        }
        await this.consumeFrom(cp.seq + 1);
        backoff = 100;
      } catch (err) {
        if (this.stopped) break;
        if (!(err instanceof ProjectionPausedError)) {
          this.opts.logger?.(
            `projection ${this.projection.name}: ${(err as Error).message}; restarting from checkpoint`,
          );
          await this.dropLock();
        }
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
    this.stats.active = false;
    await this.dropLock();
  }

  private async consumeFrom(startSeq: number): Promise<void> {
    const { jsm, js, names } = this.log;
    const durable = this.consumerName;
    await jsm.consumers.delete(names.stream, durable).catch((e: unknown) => {
      if (!(e instanceof JetStreamApiError)) throw e;
    });
    await jsm.consumers.add(names.stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: 60_000_000_000,
      filter_subject: filterFor(this.projection.handles, names.namespace),
      deliver_policy: startSeq <= 1 ? DeliverPolicy.All : DeliverPolicy.StartSequence,
      ...(startSeq > 1 ? { opt_start_seq: startSeq } : {}),
      max_ack_pending: 20_000,
    });
    const consumer = await js.consumers.get(names.stream, durable);
    const batchSize = this.opts.batchSize ?? 1000;
    // Explicit fetches rather than consume(): each pull is one bounded batch, processed as it
    // streams in and flushed early when the server says nothing more is pending.
    while (!this.stopped) {
      this.messages = await consumer.fetch({ max_messages: batchSize, expires: 5_000 });
      let items: ReadItem[] = [];
      let msgs: JsMsg[] = [];
      try {
        for await (const m of this.messages) {
          items.push(readItem(m.data, m.seq, m.subject));
          msgs.push(m);
          if (m.info.pending === 0 || items.length >= batchSize) {
            await this.flush(items, msgs);
            items = [];
            msgs = [];
          }
        }
        await this.flush(items, msgs);
      } finally {
        this.messages = null;
      }
    }
  }

  private async flush(items: ReadItem[], msgs: JsMsg[]): Promise<void> {
    if (items.length === 0) return;
    const t0 = performance.now();
    const plan = await applyOrPark(this.pool, this.store, items);
    const parkedSeqs = new Set(plan.parked.map((p) => p.seq));
    for (const m of msgs) {
      if (parkedSeqs.has(m.seq)) m.term(`parked by projection ${this.projection.name}`);
      else m.ack();
    }
    this.stats.handled += plan.applied;
    this.stats.parked += plan.parked.length;
    this.stats.batches++;
    this.stats.lastBatchMs = performance.now() - t0;
    this.stats.lastSeq = Math.max(this.stats.lastSeq, plan.lastSeq);
    for (const p of plan.parked)
      this.opts.logger?.(
        `projection ${this.projection.name}: parked seq ${p.seq} (${p.eventType ?? 'undecodable'}): ${p.error}`,
      );
  }

  /** MySQL named lock: the single-writer guarantee for this projection in this database. */
  private async holdLock(): Promise<boolean> {
    if (this.lockConn) return true;
    // A connection of its own, outside the pool: a lock held for hours must not starve the batches.
    const conn = await this.database.connect();
    const name = lockName(this.database.name, this.projection.name);
    const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 2) AS got', [name]);
    if (rows[0]?.got === 1) {
      this.lockConn = conn;
      this.stats.active = true;
      return true;
    }
    await conn.end();
    return false;
  }

  private async dropLock(): Promise<void> {
    const conn = this.lockConn;
    this.lockConn = null;
    this.stats.active = false;
    if (!conn) return;
    await conn
      .query('SELECT RELEASE_LOCK(?)', [lockName(this.database.name, this.projection.name)])
      .catch(() => undefined);
    await conn.end().catch(() => undefined);
  }

  private async withConn<T>(fn: (c: PoolConnection) => Promise<T>): Promise<T> {
    const c = await this.pool.getConnection();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  }

  async lag(): Promise<ProjectionLag> {
    const cp = await this.withConn((c) => readCheckpoint(c, this.projection.name));
    const info = await this.log.streamInfo();
    let pending = 0;
    try {
      const ci = await this.log.jsm.consumers.info(this.log.names.stream, this.consumerName);
      pending = ci.num_pending + ci.num_ack_pending;
    } catch {
      pending = Math.max(0, info.state.last_seq - cp.seq);
    }
    return { projection: this.projection.name, checkpoint: cp.seq, streamLastSeq: info.state.last_seq, pending };
  }
}

export function lockName(database: string, projection: string): string {
  const full = `hydra:${database}:${projection}`;
  return full.length <= 64 ? full : `hydra:${createHash('sha1').update(full).digest('hex')}`;
}
