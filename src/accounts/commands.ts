import { randomUUID } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import type { AnyNewEvent, EventLog } from '../events/log.ts';
import { encodeKey } from '../events/subjects.ts';
import { readMatching } from '../events/query.ts';
import { userNameSchema } from '../events/user.ts';
import { waitForCheckpoints } from '../projections/checkpoints.ts';
import { evolveUser } from '../projections/users/projection.ts';
import { apiTokensProjection } from '../projections/api-tokens/projection.ts';
import { ACCOUNT_READ_MODELS } from '../projections/users/queries.ts';
import type { UserRow } from '../projections/users/table.ts';
import type { ApiTokenRow } from '../projections/api-tokens/table.ts';
import { decideTokenRevoke, decideUser, type UserCommand } from './decide.ts';
import { newApiToken } from './api-tokens.ts';
import { allows, type Role } from './roles.ts';

export interface AccountDeps {
  readonly log: EventLog;
  readonly db: Db;
  /** The producer named in the events' metadata (`http`, `cli`). */
  readonly producer: string;
  /** How long a change waits for the read models the pages check sign-ins against. */
  readonly readModelWaitMs?: number;
}

export interface ChangeResult {
  /** Stream sequence of the last event appended; 0 when nothing needed to change. */
  readonly seq: number;
  readonly changed: boolean;
  /** Whether the read models already have it (sign-ins and tokens see it from now on). */
  readonly applied: boolean;
}

/**
 * Changes to accounts, API tokens and site settings: each reads the current state from the stream
 * (not from a read model that may lag), decides with a pure function, appends, and waits until the read
 * model the pages authorise against has the change, so a revoked token or a disabled user is refused at once.
 */
export class Accounts {
  constructor(private readonly d: AccountDeps) {}

  private meta(by: string) {
    return { correlationId: randomUUID(), producer: this.d.producer, user: by };
  }

  /** Every user as the stream has them now (the command line lists these, whether or not projections run). */
  async allUsers(): Promise<UserRow[]> {
    const rows = new Map<string, UserRow>();
    for (const e of await readMatching(this.d.log, `${this.d.log.names.namespace}.user.>`)) {
      const row = evolveUser(rows.get(e.key) ?? null, e);
      if (row) rows.set(e.key, row);
    }
    return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every API token as the stream has them now. */
  async allTokens(): Promise<ApiTokenRow[]> {
    const rows = new Map<string, ApiTokenRow>();
    for (const e of await readMatching(this.d.log, `${this.d.log.names.namespace}.token.>`)) {
      const row = apiTokensProjection.evolve(rows.get(e.key) ?? null, e, e.key);
      if (row) rows.set(e.key, row);
    }
    return [...rows.values()];
  }

  async changeUser(cmd: UserCommand, by: string): Promise<ChangeResult> {
    const name = userNameSchema.parse(cmd.user);
    const everyone = await this.allUsers();
    const current = everyone.find((u) => u.name === name) ?? null;
    const admins = everyone.filter((u) => u.name !== name && !u.disabled && allows(u.roles, 'admin'));
    const events = decideUser(current, { ...cmd, user: name }, { otherAdmins: admins.length, by });
    const metadata = this.meta(by);
    // An added user's first event claims the name: of two adds at once, the second is refused by the stream.
    const toAppend = events.map(
      (e, i) =>
        ({
          ...e,
          metadata,
          ...(i === 0 && e.type === 'user.added' ? { expectedLastSubjectSeq: 0 } : {}),
        }) as AnyNewEvent,
    );
    return this.appendAndWait(toAppend, ACCOUNT_READ_MODELS.user);
  }

  /** Creates an API token; the token itself is in the result only, never in any event, table or log. */
  async createToken(
    spec: { name: string; role: Role; detectors?: readonly string[] },
    by: string,
  ): Promise<ChangeResult & { tokenId: string; token: string }> {
    const t = newApiToken();
    const result = await this.appendAndWait(
      [
        {
          type: 'token.created',
          metadata: this.meta(by),
          data: {
            tokenId: t.tokenId,
            name: spec.name,
            role: spec.role,
            ...(spec.detectors ? { detectors: [...spec.detectors] } : {}),
            hash: t.hash,
            by,
          },
        },
      ],
      ACCOUNT_READ_MODELS.token,
    );
    return { ...result, tokenId: t.tokenId, token: t.token };
  }

  async revokeToken(tokenId: string, by: string): Promise<ChangeResult> {
    const filter = `${this.d.log.names.namespace}.token.*.${encodeKey(tokenId)}`;
    let row: ApiTokenRow | null = null;
    for (const e of await readMatching(this.d.log, filter)) row = apiTokensProjection.evolve(row, e, tokenId);
    const events = decideTokenRevoke(row, tokenId, by);
    return this.appendAndWait(
      events.map((e) => ({ ...e, metadata: this.meta(by) })),
      ACCOUNT_READ_MODELS.token,
    );
  }

  async setAnonymousViewing(allowed: boolean, by: string): Promise<ChangeResult> {
    return this.appendAndWait(
      [{ type: 'site.settings-changed', metadata: this.meta(by), data: { anonymousViewing: allowed, by } }],
      ACCOUNT_READ_MODELS.site,
    );
  }

  private async appendAndWait(events: readonly AnyNewEvent[], readModel: string): Promise<ChangeResult> {
    if (events.length === 0) return { seq: 0, changed: false, applied: true };
    let seq = 0;
    for (const e of events) seq = (await this.d.log.append(e)).seq;
    const late = await waitForCheckpoints(this.d.db, new Map([[readModel, seq]]), {
      timeoutMs: this.d.readModelWaitMs ?? 10_000,
    });
    return { seq, changed: true, applied: late.length === 0 };
  }
}
