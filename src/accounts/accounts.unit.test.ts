import { describe, expect, it } from 'vitest';
import { decideUser, decideTokenRevoke } from './decide.ts';
import { allows, describeGrants, withGrant } from './roles.ts';
import { hashPassword, passwordProblem, verifyPassword } from './password.ts';
import { bearerToken, hashApiToken, newApiToken } from './api-tokens.ts';
import { safeNext } from '../http/plugins/auth.ts';
import type { UserRow } from '../projections/users/table.ts';

const row = (over: Partial<UserRow> = {}): UserRow => ({
  name: 'ann',
  displayName: null,
  email: null,
  passwordHash: null,
  roles: [],
  disabled: false,
  credentialsVersion: 1,
  addedBy: 'cli:root',
  addedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});
const ctx = { otherAdmins: 1, by: 'root' };

describe('roles', () => {
  it('lets each role do what the ones below it may, and narrows Experts to their detectors', () => {
    const fcal = [{ role: 'expert' as const, detectors: ['FCAL'] }];
    expect(allows(fcal, 'labeler')).toBe(true);
    expect(allows(fcal, 'viewer')).toBe(true);
    expect(allows(fcal, 'expert', 'FCAL')).toBe(true);
    expect(allows(fcal, 'expert', 'BCAL')).toBe(false);
    expect(allows(fcal, 'admin')).toBe(false);
    expect(allows([{ role: 'admin' }], 'expert', 'BCAL')).toBe(true);
    expect(allows([{ role: 'viewer' }], 'labeler')).toBe(false);
    expect(allows([], 'viewer')).toBe(false);
    expect(describeGrants(withGrant(fcal, { role: 'labeler' }))).toBe('expert (FCAL), labeler');
  });
});

describe('account decisions', () => {
  it('adds a user once', () => {
    expect(decideUser(null, { kind: 'add', user: 'ann' }, ctx)).toEqual([
      { type: 'user.added', data: { user: 'ann', by: 'root' } },
    ]);
    expect(() => decideUser(row(), { kind: 'add', user: 'ann' }, ctx)).toThrow(/already exists/);
  });

  it('grants a role once, replaces an Expert grant with new detectors, refuses detectors for other roles', () => {
    const expert = row({ roles: [{ role: 'expert', detectors: ['FCAL'] }] });
    expect(decideUser(expert, { kind: 'grant', user: 'ann', role: 'expert', detectors: ['FCAL'] }, ctx)).toEqual([]);
    expect(decideUser(expert, { kind: 'grant', user: 'ann', role: 'expert', detectors: ['BCAL'] }, ctx)).toHaveLength(
      1,
    );
    expect(() => decideUser(expert, { kind: 'grant', user: 'ann', role: 'labeler', detectors: ['X'] }, ctx)).toThrow(
      /only the Expert role/,
    );
    expect(() => decideUser(null, { kind: 'grant', user: 'zed', role: 'viewer' }, ctx)).toThrow(/no user zed/);
  });

  it('never loses the last Admin', () => {
    const admin = row({ roles: [{ role: 'admin' }] });
    const alone = { ...ctx, otherAdmins: 0 };
    expect(() => decideUser(admin, { kind: 'revoke', user: 'ann', role: 'admin' }, alone)).toThrow(/last Admin/);
    expect(() => decideUser(admin, { kind: 'disable', user: 'ann' }, alone)).toThrow(/last Admin/);
    expect(decideUser(admin, { kind: 'disable', user: 'ann' }, ctx)).toHaveLength(1);
    expect(() => decideUser(admin, { kind: 'revoke', user: 'ann', role: 'viewer' }, ctx)).toThrow(/does not hold/);
  });

  it('disables and enables only when it changes something', () => {
    expect(decideUser(row({ disabled: true }), { kind: 'disable', user: 'ann' }, ctx)).toEqual([]);
    expect(decideUser(row(), { kind: 'enable', user: 'ann' }, ctx)).toEqual([]);
    expect(decideUser(row({ disabled: true }), { kind: 'enable', user: 'ann' }, ctx)).toHaveLength(1);
  });

  it('revokes a token once; an unknown one is an error', () => {
    expect(decideTokenRevoke({ tokenId: 't', revokedAt: null }, 't', 'root')).toHaveLength(1);
    expect(decideTokenRevoke({ tokenId: 't', revokedAt: '2026-01-01T00:00:00.000Z' }, 't', 'root')).toEqual([]);
    expect(() => decideTokenRevoke(null, 't', 'root')).toThrow(/no API token/);
  });
});

describe('secrets', () => {
  it('hashes passwords with argon2id and verifies them; refuses short ones', async () => {
    expect(passwordProblem('short')).toMatch(/at least 10/);
    const h = await hashPassword('a long enough password');
    expect(h).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(h).not.toContain('a long enough password');
    expect(await verifyPassword(h, 'a long enough password')).toBe(true);
    expect(await verifyPassword(h, 'a long enough passwore')).toBe(false);
    expect(await verifyPassword(null, 'anything at all')).toBe(false);
    await expect(hashPassword('short')).rejects.toThrow(/at least 10/);
  });

  it('makes API tokens that are kept only as their SHA-256', () => {
    const t = newApiToken();
    expect(t.token).toMatch(new RegExp(`^hydra_${t.tokenId}_[A-Za-z0-9_-]{43}$`));
    expect(t.hash).toBe(hashApiToken(t.token));
    expect(bearerToken(`Bearer ${t.token}`)).toBe(t.token);
    expect(bearerToken('Basic abc')).toBeNull();
  });

  it('goes on after sign-in only to a page of this site', () => {
    expect(safeNext('/log?kind=bad')).toBe('/log?kind=bad');
    for (const bad of ['//evil.example', '/\\\\evil', 'https://evil.example', 'javascript:alert(1)', undefined])
      expect(safeNext(bad)).toBe('/');
  });
});
