import mysql from 'mysql2/promise';
import { sql } from 'drizzle-orm';
import { drizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { migrate } from 'drizzle-orm/mysql2/migrator';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { databaseName } from '../config.ts';

export type Db = MySql2Database<Record<string, never>>;

export interface Database {
  readonly pool: mysql.Pool;
  readonly db: Db;
  readonly name: string;
  /** A connection of its own, outside the pool, with the pool's settings (for locks held for hours). */
  connect(): Promise<mysql.Connection>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** Opens a pool on DATABASE_URL, creating the database first when it does not exist. */
export async function openDatabase(url: string, opts: { connectionLimit?: number } = {}): Promise<Database> {
  const name = databaseName(url);
  await createDatabaseIfMissing(url, name);
  const settings = {
    uri: url,
    multipleStatements: false,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    timezone: 'Z',
  } as const;
  const pool = mysql.createPool({ ...settings, connectionLimit: opts.connectionLimit ?? 10 });
  return {
    pool,
    db: drizzle({ client: pool }) as Db,
    name,
    connect: () => mysql.createConnection(settings),
    close: () => pool.end(),
  };
}

async function createDatabaseIfMissing(url: string, name: string): Promise<void> {
  const u = new URL(url);
  u.pathname = '/';
  const conn = await mysql.createConnection({ uri: u.toString() });
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const u = new URL(url);
  u.pathname = '/';
  const conn = await mysql.createConnection({ uri: u.toString() });
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await conn.end();
  }
}

/** Applies drizzle's generated migrations (drizzle/*.sql) that this database has not seen. */
export async function migrateDatabase(database: Database): Promise<void> {
  await migrate(database.db, { migrationsFolder: MIGRATIONS_DIR });
}

/** Answers when the database does (the readiness check). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`SELECT 1`);
}
