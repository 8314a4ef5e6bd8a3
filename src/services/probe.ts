import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import mysql from 'mysql2/promise';

/** The answer to "does a usable server answer there?", with the reason when it does not. */
export interface ProbeResult {
  readonly answers: boolean;
  readonly reason?: string;
}

const reasonOf = (err: unknown): string => {
  const e = err as { code?: unknown; message?: unknown };
  const msg = typeof e.message === 'string' && e.message ? e.message : String(err);
  return typeof e.code === 'string' && !msg.includes(e.code) ? `${e.code}: ${msg}` : msg;
};

/** Connects and asks JetStream for the account info: a NATS without JetStream does not count. */
export async function probeNats(url: string, timeoutMs = 2000): Promise<ProbeResult> {
  let nc: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    nc = await connect({ servers: url, timeout: timeoutMs, reconnect: false, maxReconnectAttempts: 0 });
    const jsm = await jetstreamManager(nc, { timeout: timeoutMs, checkAPI: false });
    await jsm.getAccountInfo();
    return { answers: true };
  } catch (err) {
    return { answers: false, reason: reasonOf(err) };
  } finally {
    await nc?.close().catch(() => undefined);
  }
}

/** Connects to the server (not the database, which `openDatabase` creates when missing) and runs SELECT 1. */
export async function probeMysql(url: string, timeoutMs = 2000): Promise<ProbeResult> {
  let conn: mysql.Connection | undefined;
  try {
    const u = new URL(url);
    u.pathname = '/';
    conn = await mysql.createConnection({ uri: u.toString(), connectTimeout: timeoutMs });
    const [rows] = await conn.query({ sql: 'SELECT 1 AS one', timeout: timeoutMs });
    const one = Array.isArray(rows) ? (rows[0] as { one?: unknown } | undefined)?.one : undefined;
    return Number(one) === 1 ? { answers: true } : { answers: false, reason: 'SELECT 1 returned no 1' };
  } catch (err) {
    return { answers: false, reason: reasonOf(err) };
  } finally {
    await conn?.end().catch(() => undefined);
  }
}
