import { openHydra, type Hydra } from '../../src/context.ts';
import type { AnyNewEvent } from '../../src/events/log.ts';
import { readMatching } from '../../src/events/query.ts';
import { PlotTypeCache } from '../../src/plottypes/cache.ts';
import { waitForStream } from '../../src/projections/checkpoints.ts';
import { ProjectionRunner } from '../../src/projections/index.ts';
import { imagesProjection } from '../../src/projections/images/projection.ts';
import { labelHistoryProjection, labelQueueProjection } from '../../src/projections/label-queue/projection.ts';
import { labelsProjection } from '../../src/projections/labels/projection.ts';
import { modelsProjection } from '../../src/projections/models/projection.ts';
import { erase } from '../../src/projections/runtime/projection.ts';
import { sustainProjection } from '../../src/projections/sustain/projection.ts';
import { latestDecision } from '../../src/projections/sustain/queries.ts';
import { trainingsProjection } from '../../src/projections/trainings/projection.ts';
import { verdictsProjection } from '../../src/projections/verdicts/projection.ts';
import type { SustainPolicy } from '../../src/sustain/assess.ts';
import { SustainWorker } from '../../src/sustain/worker.ts';
import { openTestEnv, type TestEnv } from './env.ts';

/** The read models the loop, the Labeler's apply and the training worker read. */
const PROJECTIONS = [
  erase(labelQueueProjection),
  erase(labelHistoryProjection),
  erase(labelsProjection),
  erase(imagesProjection),
  erase(verdictsProjection),
  erase(modelsProjection),
  erase(trainingsProjection),
  erase(sustainProjection),
];

/** A test's own Hydra with the loop's read models running and a SustainWorker whose rounds the test calls. */
export interface SustainTest {
  readonly env: TestEnv;
  readonly hydra: Hydra;
  readonly plotTypes: PlotTypeCache;
  readonly worker: SustainWorker;
  /** The plot type's latest assessment, once the read models hold what the rounds appended. */
  assessment(plotType: string): ReturnType<typeof latestDecision>;
  /** Every training the loop requested (of one plot type when named). */
  requests(plotType?: string): Promise<{ trainingId: string; plotType: string; reason: string }[]>;
  close(): Promise<void>;
}

/** Opens the test's Hydra, appends `setup` (plot types, models), starts the read models and the worker. */
export async function openSustainTest(
  label: string,
  setup: readonly AnyNewEvent[],
  opts: { policy?: SustainPolicy; mailContacts?: boolean } = {},
): Promise<SustainTest> {
  const env = await openTestEnv(label);
  const hydra = await openHydra(env.config, { producer: 'test' });
  await hydra.log.appendMany([...setup]);
  const runners = PROJECTIONS.map((p) => new ProjectionRunner(hydra.database, hydra.log, p));
  await Promise.all(runners.map((r) => r.start()));
  const plotTypes = await PlotTypeCache.open(hydra.log);
  const worker = new SustainWorker({
    log: hydra.log,
    db: hydra.database.db,
    blobs: hydra.blobs,
    plotTypes,
    admins: [],
    ...(opts.policy ? { policy: opts.policy } : {}),
    ...(opts.mailContacts ? { mailContacts: true } : {}),
  });
  return {
    env,
    hydra,
    plotTypes,
    worker,
    async assessment(plotType) {
      await waitForStream(hydra.database.db, hydra.log, [sustainProjection, trainingsProjection], {
        timeoutMs: 30_000,
      });
      return latestDecision(hydra.database.db, plotType, 'assessed');
    },
    async requests(plotType) {
      const out: { trainingId: string; plotType: string; reason: string }[] = [];
      for (const e of await readMatching(hydra.log, hydra.log.names.filter('training.requested')))
        if (
          e.type === 'training.requested' &&
          e.data.requester === 'sustain' &&
          (!plotType || e.data.plotType === plotType)
        )
          out.push({ trainingId: e.data.trainingId, plotType: e.data.plotType, reason: e.data.reason });
      return out;
    },
    async close() {
      await worker.stop();
      await Promise.all(runners.map((r) => r.stop()));
      await plotTypes.close();
      await hydra.close();
      await env.cleanup();
    },
  };
}
