import type { Role } from './role.ts';
import { projectionsRole } from './projections.ts';

/** Every role, in start order (`hydra up` stops them in reverse). */
export const roles: readonly Role[] = [projectionsRole];

export type { Role, RunningRole, RoleStats } from './role.ts';
