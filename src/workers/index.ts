import type { Role } from './role.ts';
import { projectionsRole } from './projections.ts';
import { ingestRole } from './ingest.ts';
import { alarmsRole } from './alarms.ts';
import { trainingRole } from './training.ts';
import { inferenceRole } from './inference.ts';
import { httpRole } from './http.ts';
import { sustainRole } from './sustain.ts';
import { backfillRole } from './backfill.ts';

/** Every role, in start order (`hydra up` stops them in reverse). */
export const roles: readonly Role[] = [
  projectionsRole,
  ingestRole,
  inferenceRole,
  httpRole,
  trainingRole,
  alarmsRole,
  sustainRole,
  backfillRole,
];

export type { Role, RunningRole } from './role.ts';
