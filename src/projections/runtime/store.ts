import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type MySqlColumn } from 'drizzle-orm/mysql-core';
import type { AnyProjection } from './projection.ts';
import type { BatchPlan } from './plan.ts';

const CHUNK = 500;

/**
 * Reads and writes one projection's rows in a named table (the live one, or a rebuild beside it),
 * with column mapping taken from the drizzle table so rows keep their TypeScript shape.
 */
export class RowStore {
  readonly table: string;
  private readonly columns: [prop: string, col: MySqlColumn][];
  private readonly idSqlName: string;

  constructor(
    readonly projection: AnyProjection,
    tableName?: string,
  ) {
    this.table = tableName ?? getTableConfig(projection.table).name;
    this.columns = Object.entries(getTableColumns(projection.table)) as [string, MySqlColumn][];
    const idCol = this.columns.find(([prop]) => prop === projection.idColumn);
    if (!idCol) throw new Error(`projection ${projection.name}: no column ${projection.idColumn}`);
    this.idSqlName = idCol[1].name;
  }

  get liveName(): string {
    return getTableConfig(this.projection.table).name;
  }

  fromDriver(raw: Record<string, unknown>): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const [prop, col] of this.columns) {
      const v = raw[col.name];
      row[prop] = v === null || v === undefined ? null : col.mapFromDriverValue(v);
    }
    return row;
  }

  private toDriver(row: Record<string, unknown>): unknown[] {
    return this.columns.map(([prop, col]) => {
      const v = row[prop];
      return v === null || v === undefined ? null : col.mapToDriverValue(v);
    });
  }

  async load(conn: PoolConnection, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT * FROM \`${this.table}\` WHERE \`${this.idSqlName}\` IN (?)`,
        [part],
      );
      for (const raw of rows) {
        const row = this.fromDriver(raw);
        out.set(String(row[this.projection.idColumn]), row);
      }
    }
    return out;
  }

  async write(conn: PoolConnection, plan: BatchPlan): Promise<void> {
    const names = this.columns.map(([, c]) => `\`${c.name}\``);
    const updates = this.columns
      .filter(([, c]) => c.name !== this.idSqlName)
      .map(([, c]) => `\`${c.name}\`=VALUES(\`${c.name}\`)`);
    const rows = [...plan.upserts.values()].map((r) => this.toDriver(r));
    for (let i = 0; i < rows.length; i += CHUNK) {
      const part = rows.slice(i, i + CHUNK);
      await conn.query(
        `INSERT INTO \`${this.table}\` (${names.join(',')}) VALUES ? ON DUPLICATE KEY UPDATE ${updates.join(',') || `\`${this.idSqlName}\`=\`${this.idSqlName}\``}`,
        [part],
      );
    }
    const deletes = [...plan.deletes];
    for (let i = 0; i < deletes.length; i += CHUNK) {
      await conn.query(`DELETE FROM \`${this.table}\` WHERE \`${this.idSqlName}\` IN (?)`, [
        deletes.slice(i, i + CHUNK),
      ]);
    }
  }

  /** Every row in id order, as driver values: what replay --verify compares. */
  async dump(conn: PoolConnection): Promise<Map<string, string>> {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT * FROM \`${this.table}\` ORDER BY \`${this.idSqlName}\``);
    return new Map(rows.map((r) => [String(r[this.idSqlName]), stableJson(r)]));
  }
}

export function stableJson(row: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(row)
      .sort()
      .map((k) => [k, row[k] instanceof Buffer ? (row[k] as Buffer).toString('base64') : row[k]]),
  );
}
