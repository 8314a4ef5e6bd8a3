import type { Role } from '../events/user.ts';

export type { Role } from '../events/user.ts';

/** One role a user or token holds; an Expert's covers the listed detectors, or all when `detectors` is absent. */
export interface RoleGrant {
  readonly role: Role;
  readonly detectors?: readonly string[];
}

/**
 * Each role includes the ones below it: an Admin may do what an Expert may, an Expert what a Labeler may,
 * a Labeler what a Viewer may. Only the Expert role is narrowed, by detector.
 */
export const ROLE_ORDER: readonly Role[] = ['viewer', 'labeler', 'expert', 'admin'];

export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  viewer: 'watches every page (also when anonymous viewing is off); changes nothing',
  labeler: 'acknowledges alarms, labels images, uploads plots (API tokens)',
  expert: 'signs off and activates models, edits thresholds and plot types of their detectors, posts news',
  admin: 'everything: users, roles, API tokens, site settings, every detector',
};

const rank = (r: Role) => ROLE_ORDER.indexOf(r);

/** Whether these grants allow acting as `role` (for `detector`, when the action concerns one). */
export function allows(grants: readonly RoleGrant[], role: Role, detector?: string): boolean {
  return grants.some((g) => {
    if (rank(g.role) < rank(role)) return false;
    // A detector-scoped Expert counts for Expert-level actions on those detectors only; below Expert, the
    // scope does not matter (an Expert of FCAL may still acknowledge any alarm, as a Labeler may).
    if (g.role === 'expert' && role === 'expert' && g.detectors && detector !== undefined)
      return g.detectors.includes(detector);
    return true;
  });
}

/** The highest role held, for display ("admin", "expert (FCAL, BCAL)"). */
export function describeGrants(grants: readonly RoleGrant[]): string {
  if (grants.length === 0) return 'no role';
  return [...grants]
    .sort((a, b) => rank(b.role) - rank(a.role))
    .map((g) => (g.role === 'expert' && g.detectors ? `expert (${g.detectors.join(', ')})` : g.role))
    .join(', ');
}

/** Grants after granting `grant`: one entry per role, the new one replacing an older grant of the same role. */
export function withGrant(grants: readonly RoleGrant[], grant: RoleGrant): RoleGrant[] {
  const next = grants.filter((g) => g.role !== grant.role);
  next.push(grant.detectors ? { role: grant.role, detectors: [...grant.detectors] } : { role: grant.role });
  return next.sort((a, b) => rank(a.role) - rank(b.role));
}

export const withoutRole = (grants: readonly RoleGrant[], role: Role): RoleGrant[] =>
  grants.filter((g) => g.role !== role);
