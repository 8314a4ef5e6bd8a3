import { summaryOf } from '../events/consume/index.ts';
import { BackfillWorker } from '../backfill/worker.ts';
import type { Role } from './role.ts';

/** Runs models over history (backfill.requested): each stored arrival of the range judged, beside its verdict. */
export const backfillRole: Role = {
  name: 'backfill',
  description: "runs a model over a plot type's stored arrivals of a run or time range and records what it says",
  async start(hydra, say) {
    const worker = new BackfillWorker({ log: hydra.log, db: hydra.database.db, blobs: hydra.blobs, say });
    await worker.start();
    return {
      stats: () => ({ ...worker.stats, consumers: [summaryOf(worker.consumerStats)] }),
      stop: () => worker.stop(),
    };
  },
};
