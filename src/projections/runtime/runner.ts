import { createHash } from 'node:crypto';
import type { Connection, Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import type { Database } from '../../db/connection.ts';
import type { EventLog } from '../../events/log.ts';
import {
  ack,
  DurableConsumer,
  term,
  type ConsumerStats,
  type Delivery,
  type Outcome,
} from '../../events/consume/index.ts';
import { applyOrPark, ProjectionPausedError } from './apply.ts';
import { readCheckpoint } from './checkpoints.ts';
import { filterFor, type AnyProjection } from './projection.ts';
import { RowStore } from './store.ts';

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
 * Feeds one projection from its own durable consumer, on the one consumer runtime. The database
 * checkpoint is the truth: at every (re)start the durable is recreated at checkpoint+1, so
 * redeliveries after a crash can never arrive behind newer events, and any error restarts from
 * there (never a retry of one message: that would let later events overtake it). One runner per
 * projection holds a database lock; others wait as standbys.
 */
export class ProjectionRunner {
  readonly stats: RunnerStats;
  private readonly store: RowStore;
  private lockConn: Connection | null = null;
  private readonly consumer: DurableConsumer;
  private readonly pool: Pool;
  private readonly handles: ReadonlySet<string>;

  constructor(
    private readonly database: Database,
    private readonly log: EventLog,
    readonly projection: AnyProjection,
    private readonly opts: { batchSize?: number; logger?: Logger } = {},
  ) {
    this.pool = database.pool;
    this.store = new RowStore(projection);
    this.handles = new Set(projection.handles);
    this.stats = {
      projection: projection.name,
      handled: 0,
      parked: 0,
      batches: 0,
      lastBatchMs: 0,
      lastSeq: 0,
      active: false,
    };
    const batchSize = opts.batchSize ?? 1000;
    this.consumer = new DurableConsumer(
      log,
      {
        durable: this.consumerName,
        filter: filterFor(projection.handles, log.names.namespace),
        recreateAt: () => this.checkpointToResumeAt(),
        released: () => this.dropLock(),
        ackWaitMs: 60_000,
        maxAckPending: 20_000,
        onError: 'restart',
        quiet: (err) => err instanceof ProjectionPausedError,
      },
      { kind: 'batch', maxBatch: batchSize, handle: (ds) => this.apply(ds) },
      (line) => this.opts.logger?.(`projection ${line}`),
    );
  }

  get consumerName(): string {
    return this.log.names.consumer(`proj_${this.projection.name}`);
  }

  /** What the consumer runtime has done (for heartbeats and the Status page). */
  get consumerStats(): ConsumerStats {
    return this.consumer.stats;
  }

  /** Starts feeding; throws when the first attempt fails (the database refused): the worker must say so. */
  start(): Promise<void> {
    return this.consumer.start();
  }

  /** Finishes the batch in hand, closes the consumer and releases the lock. */
  async stop(): Promise<void> {
    await this.consumer.stop();
    await this.dropLock();
  }

  /** Where to recreate the durable: checkpoint+1 while this runner holds the lock; null as a standby or while paused. */
  private async checkpointToResumeAt(): Promise<number | null> {
    if (!(await this.holdLock())) return null;
    const cp = await this.withConn((c) => readCheckpoint(c, this.projection.name));
    return cp.paused ? null : cp.seq + 1;
  }

  private async apply(ds: readonly Delivery[]): Promise<Outcome[]> {
    const t0 = performance.now();
    // An event of a type this projection does not handle only moves its checkpoint: it is never decoded.
    const handled = ds.filter((d) => this.handles.has(d.type));
    const plan = await applyOrPark(
      this.pool,
      this.store,
      handled.map((d) => d.read()),
      { throughSeq: Math.max(0, ...ds.map((d) => d.seq)) },
    );
    const parkedSeqs = new Set(plan.parked.map((p) => p.seq));
    this.stats.handled += plan.applied;
    this.stats.parked += plan.parked.length;
    this.stats.batches++;
    this.stats.lastBatchMs = performance.now() - t0;
    this.stats.lastSeq = Math.max(this.stats.lastSeq, plan.lastSeq);
    for (const p of plan.parked)
      this.opts.logger?.(
        `projection ${this.projection.name}: parked seq ${p.seq} (${p.eventType ?? 'undecodable'}): ${p.error}`,
      );
    return ds.map((d) => (parkedSeqs.has(d.seq) ? term(`parked by projection ${this.projection.name}`) : ack));
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
