import type { Role } from './role.ts';
import { projectionsRole } from './projections.ts';
import { ingestRole } from './ingest.ts';
import { trainingRole } from './training.ts';
import { alarmsRole } from './alarms.ts';
import { httpRole } from './http.ts';

/** Every role, in start order (`hydra up` stops them in reverse). */
export const roles: readonly Role[] = [projectionsRole, ingestRole, httpRole, alarmsRole, trainingRole];

export type { Role, RunningRole, RoleStats } from './role.ts';
