import { PlotTypeCache } from '../plottypes/cache.ts';
import { DEFAULT_SUSTAIN_POLICY, SustainWorker } from '../sustain/worker.ts';
import type { Role } from './role.ts';

/** The self-sustaining loop: assesses active models, requests retraining on evidence, compares the retrained ones. */
export const sustainRole: Role = {
  name: 'sustain',
  description:
    'assesses each active model on the unbiased labelled sample, requests retraining on evidence and compares the retrained model with it',
  async start(hydra, say) {
    const c = hydra.config;
    const plotTypes = await PlotTypeCache.open(hydra.log);
    const worker = new SustainWorker({
      log: hydra.log,
      db: hydra.database.db,
      blobs: hydra.blobs,
      plotTypes,
      admins: c.HYDRA_ADMINS,
      policy: { ...DEFAULT_SUSTAIN_POLICY, maxWaitMs: c.HYDRA_SUSTAIN_MAX_LABEL_WAIT_HOURS * 3600_000 },
      say,
    });
    worker.start(c.HYDRA_SUSTAIN_INTERVAL_S * 1000);
    say(`sustain: assessing every ${c.HYDRA_SUSTAIN_INTERVAL_S} s`);
    return {
      stats: () => ({ handled: worker.stats.handled, failed: worker.stats.failed, lastMs: worker.stats.lastMs }),
      async stop() {
        await worker.stop();
        await plotTypes.close();
      },
    };
  },
};
