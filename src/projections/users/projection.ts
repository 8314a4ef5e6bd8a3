import type { HydraEvent } from '../../events/catalog.ts';
import { withGrant, withoutRole } from '../../accounts/roles.ts';
import { defineProjection } from '../runtime/projection.ts';
import { users, type UserRow } from './table.ts';

export const usersProjection = defineProjection({
  name: 'users',
  table: users,
  idColumn: 'name',
  handles: [
    'user.added',
    'user.password-set',
    'user.role-granted',
    'user.role-revoked',
    'user.disabled',
    'user.enabled',
  ],
  keyOf: (e) => e.key,
  evolve: evolveUser,
});

/** One user's row after one of their events (also folded over the stream by the account decisions). */
export function evolveUser(current: UserRow | null, e: HydraEvent): UserRow | null {
  if (e.type === 'user.added') {
    if (current) return current;
    return {
      name: e.data.user,
      displayName: e.data.displayName ?? null,
      email: e.data.email ?? null,
      passwordHash: e.data.passwordHash ?? null,
      roles: [],
      disabled: false,
      credentialsVersion: 1,
      addedBy: e.data.by,
      addedAt: e.time,
      updatedAt: e.time,
    };
  }
  // Events about a user nobody added change nothing (the decisions never append them).
  if (!current) return null;
  const at = { updatedAt: e.time };
  switch (e.type) {
    case 'user.password-set':
      return {
        ...current,
        ...at,
        passwordHash: e.data.passwordHash,
        credentialsVersion: current.credentialsVersion + 1,
      };
    case 'user.role-granted':
      return {
        ...current,
        ...at,
        roles: withGrant(current.roles, {
          role: e.data.role,
          ...(e.data.detectors ? { detectors: e.data.detectors } : {}),
        }),
      };
    case 'user.role-revoked':
      return { ...current, ...at, roles: withoutRole(current.roles, e.data.role) };
    case 'user.disabled':
      return current.disabled
        ? current
        : { ...current, ...at, disabled: true, credentialsVersion: current.credentialsVersion + 1 };
    case 'user.enabled':
      return { ...current, ...at, disabled: false };
    default:
      return current;
  }
}
