import type { UserRow } from '../projections/users/table.ts';
import type { ApiTokenRow } from '../projections/api-tokens/table.ts';
import type { EventInput } from '../events/catalog.ts';
import { AccountError } from './errors.ts';
import { allows, type Role } from './roles.ts';

/** What may be done to an account; the decisions below turn one into the events that record it. */
export type UserCommand =
  | {
      readonly kind: 'add';
      readonly user: string;
      readonly displayName?: string;
      readonly email?: string;
      readonly passwordHash?: string;
    }
  | { readonly kind: 'grant'; readonly user: string; readonly role: Role; readonly detectors?: readonly string[] }
  | { readonly kind: 'revoke'; readonly user: string; readonly role: Role }
  | { readonly kind: 'disable'; readonly user: string }
  | { readonly kind: 'enable'; readonly user: string }
  | { readonly kind: 'set-password'; readonly user: string; readonly passwordHash: string };

export type UserEvent =
  | { type: 'user.added'; data: EventInput<'user.added'> }
  | { type: 'user.role-granted'; data: EventInput<'user.role-granted'> }
  | { type: 'user.role-revoked'; data: EventInput<'user.role-revoked'> }
  | { type: 'user.disabled'; data: EventInput<'user.disabled'> }
  | { type: 'user.enabled'; data: EventInput<'user.enabled'> }
  | { type: 'user.password-set'; data: EventInput<'user.password-set'> };

export interface UserContext {
  /** How many enabled users other than this one hold the Admin role: Hydra never loses its last Admin. */
  readonly otherAdmins: number;
  readonly by: string;
}

const isAdmin = (u: UserRow) => !u.disabled && allows(u.roles, 'admin');

/** The events a command appends to a user's history (none when it is already so), or the reason it may not. */
export function decideUser(current: UserRow | null, cmd: UserCommand, ctx: UserContext): UserEvent[] {
  const { by } = ctx;
  if (cmd.kind === 'add') {
    if (current) throw new AccountError('HYDRA_USER_EXISTS', `user ${cmd.user} already exists`, 409);
    return [
      {
        type: 'user.added',
        data: {
          user: cmd.user,
          ...(cmd.displayName ? { displayName: cmd.displayName } : {}),
          ...(cmd.email ? { email: cmd.email } : {}),
          ...(cmd.passwordHash ? { passwordHash: cmd.passwordHash } : {}),
          by,
        },
      },
    ];
  }
  if (!current) throw new AccountError('HYDRA_USER_UNKNOWN', `there is no user ${cmd.user}`, 404);
  const lastAdmin = isAdmin(current) && ctx.otherAdmins === 0;
  switch (cmd.kind) {
    case 'grant': {
      if (cmd.detectors && cmd.role !== 'expert')
        throw new AccountError('HYDRA_BAD_GRANT', 'only the Expert role is given for detectors', 400);
      const held = current.roles.find((g) => g.role === cmd.role);
      const same = held && JSON.stringify(held.detectors ?? null) === JSON.stringify(cmd.detectors ?? null);
      if (same) return [];
      return [
        {
          type: 'user.role-granted',
          data: { user: cmd.user, role: cmd.role, ...(cmd.detectors ? { detectors: [...cmd.detectors] } : {}), by },
        },
      ];
    }
    case 'revoke':
      if (!current.roles.some((g) => g.role === cmd.role))
        throw new AccountError('HYDRA_ROLE_NOT_HELD', `${cmd.user} does not hold the ${cmd.role} role`, 400);
      if (cmd.role === 'admin' && lastAdmin)
        throw new AccountError('HYDRA_LAST_ADMIN', `${cmd.user} is the last Admin: make someone else one first`, 409);
      return [{ type: 'user.role-revoked', data: { user: cmd.user, role: cmd.role, by } }];
    case 'disable':
      if (current.disabled) return [];
      if (lastAdmin)
        throw new AccountError('HYDRA_LAST_ADMIN', `${cmd.user} is the last Admin: make someone else one first`, 409);
      return [{ type: 'user.disabled', data: { user: cmd.user, by } }];
    case 'enable':
      return current.disabled ? [{ type: 'user.enabled', data: { user: cmd.user, by } }] : [];
    case 'set-password':
      return [{ type: 'user.password-set', data: { user: cmd.user, passwordHash: cmd.passwordHash, by } }];
  }
}

/** Revoking a token: once is enough, an unknown one is an error. */
export function decideTokenRevoke(
  current: Pick<ApiTokenRow, 'tokenId' | 'revokedAt'> | null,
  tokenId: string,
  by: string,
): { type: 'token.revoked'; data: EventInput<'token.revoked'> }[] {
  if (!current) throw new AccountError('HYDRA_TOKEN_UNKNOWN', `there is no API token ${tokenId}`, 404);
  return current.revokedAt ? [] : [{ type: 'token.revoked', data: { tokenId, by } }];
}
