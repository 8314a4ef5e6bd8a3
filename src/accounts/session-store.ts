import { createHash } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import type { Session } from 'fastify';
import type {} from '@fastify/session';
import type { Db } from '../db/connection.ts';
import { httpSessions } from './sessions-table.ts';

const hashOf = (sessionId: string) => createHash('sha256').update(sessionId).digest('hex');
const EXPIRED_SWEEP_EVERY = 100;

type Callback = (err?: unknown) => void;

/** What a session holds besides its cookie: who signed in, under which version of their credentials. */
export interface SessionUser {
  readonly name: string;
  readonly credentialsVersion: number;
  readonly signedInAt: string;
}

declare module 'fastify' {
  interface Session {
    user?: SessionUser;
  }
}

/** @fastify/session's store interface over the `http_sessions` table. */
export class DatabaseSessionStore {
  private writes = 0;
  constructor(
    private readonly db: Db,
    private readonly defaultMaxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  set(sessionId: string, session: Session, callback: Callback): void {
    const expires = session.cookie.expires
      ? new Date(session.cookie.expires).getTime()
      : this.clock() + this.defaultMaxAgeMs;
    const row = {
      idHash: hashOf(sessionId),
      user: session.user?.name ?? null,
      data: JSON.stringify(session),
      expiresAt: new Date(expires).toISOString(),
    };
    this.db
      .insert(httpSessions)
      .values(row)
      .onDuplicateKeyUpdate({ set: { user: row.user, data: row.data, expiresAt: row.expiresAt } })
      .then(() => this.sweep())
      .then(() => callback(), callback);
  }

  get(sessionId: string, callback: (err: unknown, session?: Session | null) => void): void {
    this.db
      .select()
      .from(httpSessions)
      .where(eq(httpSessions.idHash, hashOf(sessionId)))
      .then((rows) => {
        const row = rows[0];
        if (!row || Date.parse(row.expiresAt) <= this.clock()) return callback(null, null);
        callback(null, JSON.parse(row.data) as Session);
      }, callback);
  }

  destroy(sessionId: string, callback: Callback): void {
    this.db
      .delete(httpSessions)
      .where(eq(httpSessions.idHash, hashOf(sessionId)))
      .then(() => callback(), callback);
  }

  /** Ends every session of a user (disabled, or the password changed), in every web process. */
  async destroyAllOf(user: string): Promise<void> {
    await this.db.delete(httpSessions).where(eq(httpSessions.user, user));
  }

  // Expired rows are never used (get checks the time); deleting them now and then keeps the table small.
  private async sweep(): Promise<void> {
    if (++this.writes % EXPIRED_SWEEP_EVERY !== 1) return;
    await this.db.delete(httpSessions).where(lt(httpSessions.expiresAt, new Date(this.clock()).toISOString()));
  }
}
