import { erase, type AnyProjection } from './runtime/projection.ts';
import { plotTypesProjection } from './plot-types/projection.ts';
import { imagesProjection, rejectionsProjection, unassignedProjection } from './images/projection.ts';
import { labelsProjection } from './labels/projection.ts';
import { labelHistoryProjection, labelQueueProjection } from './label-queue/projection.ts';
import { dailyCountsProjection } from './daily-counts/projection.ts';
import { modelsProjection } from './models/projection.ts';
import { trainingsProjection } from './trainings/projection.ts';
import { sustainProjection } from './sustain/projection.ts';
import { verdictsProjection } from './verdicts/projection.ts';
import { plotStatusProjection } from './plot-status/projection.ts';
import { alarmsProjection } from './alarms/projection.ts';
import { scoreHistoryProjection } from './score-history/projection.ts';
import { runsProjection } from './runs/projection.ts';
import { newsProjection } from './news/projection.ts';
import { usersProjection } from './users/projection.ts';
import { apiTokensProjection } from './api-tokens/projection.ts';
import { siteSettingsProjection } from './site-settings/projection.ts';
import { backfillsProjection, backfillVerdictsProjection } from './backfills/projection.ts';

/** Every read model Hydra keeps. `hydra up` runs them all; `hydra replay` rebuilds them all. */
export const allProjections: readonly AnyProjection[] = [
  erase(plotTypesProjection),
  erase(imagesProjection),
  erase(rejectionsProjection),
  erase(unassignedProjection),
  erase(labelsProjection),
  erase(labelQueueProjection),
  erase(labelHistoryProjection),
  erase(dailyCountsProjection),
  erase(modelsProjection),
  erase(trainingsProjection),
  erase(sustainProjection),
  erase(verdictsProjection),
  erase(plotStatusProjection),
  erase(alarmsProjection),
  erase(scoreHistoryProjection),
  erase(runsProjection),
  erase(newsProjection),
  erase(usersProjection),
  erase(apiTokensProjection),
  erase(siteSettingsProjection),
  erase(backfillsProjection),
  erase(backfillVerdictsProjection),
];

export { ProjectionRunner, type ProjectionLag } from './runtime/runner.ts';
export type { AnyProjection } from './runtime/projection.ts';
