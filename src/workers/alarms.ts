import { AlarmStateStore } from '../alarms/store.ts';
import { AlarmWorker } from '../alarms/worker.ts';
import { NotifyRunner, targetsFromConfig } from '../alarms/notify/index.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { summaryOf } from '../events/consume/index.ts';
import type { Role } from './role.ts';

/** Raises and resolves alarm episodes from verdicts, and notifies the webhook and Alertmanager when configured. */
export const alarmsRole: Role = {
  name: 'alarms',
  description: 'turns verdicts into alarm episodes (raised once, resolved when good again) and sends notifications',
  async start(hydra, say) {
    const plotTypes = await PlotTypeCache.open(hydra.log);
    const store = await AlarmStateStore.open(hydra.nc, hydra.log);
    const c = hydra.config;
    const notifiers = targetsFromConfig(c).map(
      (t) => new NotifyRunner(hydra.log, t, { retryMaxMs: c.HYDRA_NOTIFY_RETRY_MAX_SECONDS * 1000, logger: say }),
    );
    for (const n of notifiers) await n.start();
    const worker = new AlarmWorker(hydra.log, plotTypes, store, { logger: say });
    await worker.start();
    say(
      `alarms: notifying ${notifiers.length ? notifiers.map((n) => n.target.name).join(' and ') : 'nobody (HYDRA_ALARM_WEBHOOK_URL, HYDRA_ALERTMANAGER_URL unset)'}`,
    );
    return {
      stats: () => ({
        handled: worker.stats.handled,
        failed: worker.stats.failed + notifiers.reduce((a, n) => a + n.stats.failed, 0),
        lastMs: worker.stats.lastMs,
        consumers: [worker, ...notifiers].map((w) => summaryOf(w.consumerStats)),
      }),
      async stop() {
        await worker.stop();
        await Promise.all(notifiers.map((n) => n.stop()));
        await plotTypes.close();
      },
    };
  },
};
