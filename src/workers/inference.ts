import { ActiveModels } from '../inference/active-models.ts';
import { InferenceWorker } from '../inference/worker.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { summaryOf } from '../events/consume/index.ts';
import type { Role } from './role.ts';

/** Runs each arriving image through its plot type's active model (any number of these share the work). */
export const inferenceRole: Role = {
  name: 'inference',
  description: "classifies every arriving image with its plot type's active model (ONNX Runtime)",
  async start(hydra, say) {
    const plotTypes = await PlotTypeCache.open(hydra.log);
    const models = new ActiveModels(hydra.database.db, hydra.blobs, hydra.log, say);
    models.start();
    const worker = new InferenceWorker(hydra.log, hydra.blobs, plotTypes, models, { say });
    await worker.start();
    return {
      stats: () => ({ ...worker.stats, consumers: [summaryOf(worker.consumerStats)] }),
      async stop() {
        await worker.stop();
        await models.stop();
        await plotTypes.close();
      },
    };
  },
};
