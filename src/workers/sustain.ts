import { PlotTypeCache } from '../plottypes/cache.ts';
import { DEFAULT_SUSTAIN_POLICY, SustainWorker } from '../sustain/worker.ts';
import type { Config } from '../config.ts';
import { summaryOf } from '../events/consume/index.ts';
import { staleMailKind } from '../sustain/notice.ts';
import { EventMailer } from '../training/mail.ts';
import { mailerOptionsOf } from './training.ts';
import type { SustainPolicy } from '../sustain/assess.ts';
import type { Role } from './role.ts';

/** The loop's policy: its defaults, with the thresholds a site sets (HYDRA_SUSTAIN_*). */
export function sustainPolicyOf(c: Config): SustainPolicy {
  return {
    ...DEFAULT_SUSTAIN_POLICY,
    maxWaitMs: c.HYDRA_SUSTAIN_MAX_LABEL_WAIT_HOURS * 3600_000,
    driftWindow: c.HYDRA_SUSTAIN_DRIFT_WINDOW,
    minVerdicts: c.HYDRA_SUSTAIN_DRIFT_MIN_VERDICTS,
    driftThreshold: c.HYDRA_SUSTAIN_DRIFT_THRESHOLD,
    mixReference: c.HYDRA_SUSTAIN_MIX_REFERENCE,
    mixMinVerdicts: c.HYDRA_SUSTAIN_MIX_MIN_VERDICTS,
    mixAlpha: c.HYDRA_SUSTAIN_MIX_ALPHA,
    mixMinShift: c.HYDRA_SUSTAIN_MIX_MIN_SHIFT,
  };
}

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
      policy: sustainPolicyOf(c),
      mailContacts: Boolean(c.HYDRA_SMTP_URL),
      say,
    });
    // The stale notices the assessments decide on, when a mail server is configured.
    const mailOpts = c.HYDRA_SMTP_URL ? mailerOptionsOf(c, say) : null;
    const mailer = mailOpts
      ? new EventMailer(
          hydra.log,
          staleMailKind({ ...mailOpts, maxWaitMs: c.HYDRA_SUSTAIN_MAX_LABEL_WAIT_HOURS * 3600_000 }),
          mailOpts,
        )
      : null;
    await mailer?.start();
    worker.start(c.HYDRA_SUSTAIN_INTERVAL_S * 1000);
    say(`sustain: assessing every ${c.HYDRA_SUSTAIN_INTERVAL_S} s`);
    return {
      stats: () => ({
        handled: worker.stats.handled,
        failed: worker.stats.failed,
        lastMs: worker.stats.lastMs,
        ...(mailer ? { consumers: [summaryOf(mailer.consumerStats)] } : {}),
      }),
      async stop() {
        await worker.stop();
        await mailer?.stop();
        await plotTypes.close();
      },
    };
  },
};
