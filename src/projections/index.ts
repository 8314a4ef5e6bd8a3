import { erase, type AnyProjection } from './runtime/projection.ts';
import { plotTypesProjection } from './plot-types/projection.ts';
import { imagesProjection, rejectionsProjection, unassignedProjection } from './images/projection.ts';
import { labelsProjection } from './labels/projection.ts';
import { dailyCountsProjection } from './daily-counts/projection.ts';

/** Every read model Hydra keeps. `hydra up` runs them all; `hydra replay` rebuilds them all. */
export const allProjections: readonly AnyProjection[] = [
  erase(plotTypesProjection),
  erase(imagesProjection),
  erase(rejectionsProjection),
  erase(unassignedProjection),
  erase(labelsProjection),
  erase(dailyCountsProjection),
];

export { ProjectionRunner, type ProjectionLag } from './runtime/runner.ts';
export type { AnyProjection } from './runtime/projection.ts';
