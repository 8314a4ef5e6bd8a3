import type { Pool, PoolConnection } from 'mysql2/promise';
import type { EventLog, ReadItem } from '../../events/log.ts';
import { applyOrPark } from './apply.ts';
import { readCheckpoint, setPaused, writeCheckpoint } from './checkpoints.ts';
import { filterFor, type AnyProjection } from './projection.ts';
import { RowStore } from './store.ts';

export interface ReplayProgress {
  readonly projection: string;
  readonly seq: number;
  readonly until: number;
  readonly events: number;
}

export interface RowDifference {
  readonly id: string;
  readonly live: string | null;
  readonly rebuilt: string | null;
}

export interface VerifyResult {
  readonly projection: string;
  readonly seq: number;
  readonly rows: number;
  readonly differences: RowDifference[];
}

const BATCH = 2000;
const rebuildName = (live: string) => `${live}__rebuild`;
const rebuildCheckpoint = (name: string) => `${name}__rebuild`;

async function withConn<T>(pool: Pool, fn: (c: PoolConnection) => Promise<T>): Promise<T> {
  const c = await pool.getConnection();
  try {
    return await fn(c);
  } finally {
    c.release();
  }
}

/**
 * Rebuilds projections from the event history into fresh `<table>__rebuild` tables beside the live ones,
 * then either compares them row for row with the live tables (verify) or swaps them in (switch).
 */
export class Replayer {
  constructor(
    private readonly pool: Pool,
    private readonly log: EventLog,
    private readonly onProgress: (p: ReplayProgress) => void = () => undefined,
  ) {}

  /** Creates an empty rebuild table and resets its checkpoint. */
  async reset(p: AnyProjection): Promise<RowStore> {
    const live = new RowStore(p);
    const store = new RowStore(p, rebuildName(live.table));
    await withConn(this.pool, async (c) => {
      await c.query(`DROP TABLE IF EXISTS \`${store.table}\``);
      await c.query(`CREATE TABLE \`${store.table}\` LIKE \`${live.table}\``);
      await readCheckpoint(c, rebuildCheckpoint(p.name));
      await writeCheckpoint(c, rebuildCheckpoint(p.name), 0, false);
    });
    return store;
  }

  /** Applies events after the rebuild's checkpoint up to `until` (inclusive) to the rebuild table. */
  async catchUp(p: AnyProjection, store: RowStore, until: number): Promise<number> {
    const from = (await withConn(this.pool, (c) => readCheckpoint(c, rebuildCheckpoint(p.name)))).seq + 1;
    if (until < from) return from - 1;
    let batch: ReadItem[] = [];
    let events = 0;
    let last = from - 1;
    const flush = async () => {
      if (batch.length === 0) return;
      const plan = await applyOrPark(this.pool, store, batch, {
        checkpointName: rebuildCheckpoint(p.name),
        respectPause: false,
      });
      events += batch.length;
      last = plan.lastSeq;
      batch = [];
      this.onProgress({ projection: p.name, seq: last, until, events });
    };
    for await (const item of this.log.read({
      fromSeq: from,
      untilSeq: until,
      filter: filterFor(p.handles, this.log.names.namespace),
    })) {
      batch.push(item);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    // The last events may not match the filter: the rebuild has still seen everything up to `until`.
    await withConn(this.pool, (c) => writeCheckpoint(c, rebuildCheckpoint(p.name), until));
    return Math.max(last, until);
  }

  /**
   * Rebuilds to the live checkpoint and compares. The live rows and checkpoint are read in one
   * consistent snapshot, so a running live projection does not make the comparison flaky.
   */
  async verify(p: AnyProjection): Promise<VerifyResult> {
    const store = await this.reset(p);
    const live = new RowStore(p);
    for (let attempt = 0; ; attempt++) {
      const liveSeq = (await withConn(this.pool, (c) => readCheckpoint(c, p.name))).seq;
      await this.catchUp(p, store, liveSeq);
      const snap = await withConn(this.pool, async (c) => {
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        await c.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
        try {
          const seq = (await readCheckpoint(c, p.name)).seq;
          if (seq !== liveSeq) return null;
          return { seq, live: await live.dump(c), rebuilt: await store.dump(c) };
        } finally {
          await c.query('COMMIT');
        }
      });
      if (!snap) {
        if (attempt > 20) throw new Error(`projection ${p.name} keeps moving; verify could not catch it`);
        continue;
      }
      await withConn(this.pool, (c) => c.query(`DROP TABLE IF EXISTS \`${store.table}\``));
      return {
        projection: p.name,
        seq: snap.seq,
        rows: snap.live.size,
        differences: diffRows(snap.live, snap.rebuilt),
      };
    }
  }

  /**
   * Rebuilds, then swaps the rebuilt table in: the live runner is paused only for the final
   * catch-up and an atomic RENAME TABLE, so readers wait a moment at most.
   */
  async rebuildAndSwitch(p: AnyProjection): Promise<{ projection: string; seq: number; rows: number }> {
    const store = await this.reset(p);
    await this.catchUp(p, store, (await this.log.streamInfo()).state.last_seq);
    await withConn(this.pool, async (c) => {
      await c.beginTransaction();
      await readCheckpoint(c, p.name, true);
      await setPaused(c, p.name, true);
      await c.commit();
    });
    try {
      const end = (await this.log.streamInfo()).state.last_seq;
      const seq = await this.catchUp(p, store, end);
      const liveTable = new RowStore(p).table;
      const rows = await withConn(this.pool, async (c) => {
        await c.query(`DROP TABLE IF EXISTS \`${liveTable}__old\``);
        await c.query(`RENAME TABLE \`${liveTable}\` TO \`${liveTable}__old\`, \`${store.table}\` TO \`${liveTable}\``);
        await c.query(`DROP TABLE \`${liveTable}__old\``);
        await writeCheckpoint(c, p.name, seq, false);
        const [r] = await c.query(`SELECT COUNT(*) AS n FROM \`${liveTable}\``);
        return Number((r as { n: number }[])[0]?.n ?? 0);
      });
      return { projection: p.name, seq, rows };
    } finally {
      await withConn(this.pool, (c) => setPaused(c, p.name, false));
    }
  }
}

export function diffRows(live: Map<string, string>, rebuilt: Map<string, string>): RowDifference[] {
  const out: RowDifference[] = [];
  for (const [id, row] of live) {
    const other = rebuilt.get(id) ?? null;
    if (other !== row) out.push({ id, live: row, rebuilt: other });
  }
  for (const [id, row] of rebuilt) if (!live.has(id)) out.push({ id, live: null, rebuilt: row });
  return out;
}
