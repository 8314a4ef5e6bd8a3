import path from 'node:path';
import type { Hydra } from '../context.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import type { TrainingJobDeps } from '../training/job.ts';
import { TrainingWorker } from '../training/worker.ts';
import { summaryOf } from '../events/consume/index.ts';
import type { Role } from './role.ts';

export function trainingDeps(hydra: Hydra, plotTypes: PlotTypeCache, say: (line: string) => void): TrainingJobDeps {
  const c = hydra.config;
  return {
    log: hydra.log,
    blobs: hydra.blobs,
    db: hydra.database.db,
    plotTypes,
    say,
    workDir: path.resolve(c.HYDRA_TRAINING_DIR ?? path.join(c.HYDRA_VAR_DIR, 'training')),
    readModelWaitMs: c.HYDRA_TRAINING_READ_MODEL_WAIT_MS,
    ...(c.HYDRA_PYTHON ? { python: c.HYDRA_PYTHON } : {}),
  };
}

/** Trains the models people ask for (training.requested), one at a time per worker. */
export const trainingRole: Role = {
  name: 'training',
  description: 'trains a model per training.requested with the PyTorch trainer and records the outcome',
  async start(hydra, say) {
    const plotTypes = await PlotTypeCache.open(hydra.log);
    const worker = new TrainingWorker(trainingDeps(hydra, plotTypes, say));
    await worker.start();
    return {
      stats: () => ({ ...worker.stats, consumers: [summaryOf(worker.consumerStats)] }),
      async stop() {
        await worker.stop();
        await plotTypes.close();
      },
    };
  },
};
