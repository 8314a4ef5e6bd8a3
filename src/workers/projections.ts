import { allProjections, ProjectionRunner } from '../projections/index.ts';
import { summaryOf } from '../events/consume/index.ts';
import type { Role } from './role.ts';

/** Keeps every read model up to date, one runner per projection. */
export const projectionsRole: Role = {
  name: 'projections',
  description: 'keeps the MySQL read models up to date from the event stream',
  async start(hydra, say) {
    const runners = allProjections.map((p) => new ProjectionRunner(hydra.database, hydra.log, p, { logger: say }));
    await Promise.all(runners.map((r) => r.start()));
    return {
      stats: () => {
        const s = runners.map((r) => r.stats);
        return {
          handled: s.reduce((a, r) => a + r.handled, 0),
          failed: s.reduce((a, r) => a + r.parked, 0),
          lastMs: Math.max(0, ...s.map((r) => r.lastBatchMs)),
          consumers: runners.map((r) => summaryOf(r.consumerStats)),
        };
      },
      stop: async () => {
        await Promise.all(runners.map((r) => r.stop()));
      },
    };
  },
};
