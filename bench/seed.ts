import { createHash } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { HydraEvent } from '../src/events/catalog.ts';
import type { AnyProjection } from '../src/projections/runtime/projection.ts';
import { RowStore } from '../src/projections/runtime/store.ts';

// Seeding read models for the benches: synthetic stored events folded through the projections' own evolve, and
// bulk inserts of the rows (not through NATS), with the secondary indexes built once afterwards.

export const DETECTORS = ['CDC', 'FDC', 'FCAL', 'BCAL', 'TOF', 'SC', 'TAGH', 'TAGM', 'PS', 'DIRC', 'RF', 'DAQ'];
export const plotName = (i: number) => `${DETECTORS[i % DETECTORS.length]}_plot_${String(i).padStart(2, '0')}`;
export const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const meta = { correlationId: 'bench', producer: 'bench' };
let seq = 0;
export const ev = (type: string, data: Record<string, unknown>, time: string, key: string): HydraEvent =>
  ({
    id: `b${++seq}`,
    type,
    version: 1,
    time,
    key,
    data,
    metadata: meta,
    seq,
    subject: `bench.${type}.${key}`,
  }) as unknown as HydraEvent;

export function spec(i: number) {
  return {
    name: plotName(i),
    title: null,
    detector: DETECTORS[i % DETECTORS.length]!,
    pattern: '^(?<plot>.+)$',
    hidden: i === 80,
    ignore: false,
    masks: [],
    labels: [
      { name: 'Good', colour: '#2e9e44', alarms: false },
      { name: 'Bad', colour: '#d62728', alarms: true },
      { name: 'NoData', colour: '#8c8c8c', alarms: false },
    ],
    input: { width: 160, height: 120, channels: 3 },
    collectPercent: 5,
    alarmPolicy: { labels: ['Bad'], minConfidence: 0.5, consecutive: 2 },
    heatmap: 'bad',
    sampling: 'balanced',
  };
}

/** Folds events through a projection's own evolve into a map of rows (the runner's fold, without the stream). */
export function fold(p: AnyProjection, rows: Map<string, Record<string, unknown>>, e: HydraEvent): void {
  const k = p.keyOf(e);
  for (const id of k === null ? [] : typeof k === 'string' ? [k] : k) {
    const next = p.evolve(rows.get(id) ?? null, e, id);
    if (next) rows.set(id, next);
    else rows.delete(id);
  }
}

export async function insert(pool: Pool, p: AnyProjection, rows: Map<string, Record<string, unknown>>): Promise<void> {
  const store = new RowStore(p);
  const conn = await pool.getConnection();
  try {
    await conn.query('SET unique_checks = 0');
    await conn.beginTransaction();
    await store.write(conn, { upserts: rows, deletes: new Set(), parked: [], lastSeq: 0, applied: rows.size });
    await conn.commit();
  } finally {
    conn.release();
  }
}

/** Bulk load the usual way: secondary indexes dropped while the rows go in, then built once, as the migrations define them. */
export async function withoutIndexes<T>(pool: Pool, tables: readonly string[], load: () => Promise<T>): Promise<T> {
  const defs: string[] = [];
  for (const table of tables) {
    const [rows] = await pool.query<RowDataPacket[]>("SHOW INDEX FROM ?? WHERE Key_name <> 'PRIMARY'", [table]);
    const byName = new Map<string, { unique: boolean; cols: string[] }>();
    for (const r of rows) {
      const ix = byName.get(r.Key_name) ?? { unique: Number(r.Non_unique) === 0, cols: [] };
      ix.cols[Number(r.Seq_in_index) - 1] = `\`${r.Column_name}\``;
      byName.set(r.Key_name, ix);
    }
    if (byName.size === 0) continue;
    await pool.query(`ALTER TABLE \`${table}\` ${[...byName.keys()].map((k) => `DROP INDEX \`${k}\``).join(', ')}`);
    defs.push(
      `ALTER TABLE \`${table}\` ${[...byName].map(([k, ix]) => `ADD ${ix.unique ? 'UNIQUE ' : ''}INDEX \`${k}\` (${ix.cols.join(', ')})`).join(', ')}`,
    );
  }
  const out = await load();
  for (const d of defs) await pool.query(d);
  return out;
}
