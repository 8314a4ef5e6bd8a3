import path from 'node:path';
import type { Hydra } from '../context.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import type { TrainingJobDeps } from '../training/job.ts';
import { TrainingWorker } from '../training/worker.ts';
import { summaryOf } from '../events/consume/index.ts';
import { publicUrlOf } from '../alarms/notify/index.ts';
import type { Config } from '../config.ts';
import { type MailerOptions, ReportMailer } from '../training/mail.ts';
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

/** The training report's e-mail, when a mail server is configured (HYDRA_SMTP_URL). */
export function reportMailer(hydra: Hydra, plotTypes: PlotTypeCache, say: (line: string) => void): ReportMailer | null {
  const c = hydra.config;
  if (!c.HYDRA_SMTP_URL) return null;
  return new ReportMailer(hydra.log, plotTypes, mailerOptionsOf(c, say));
}

/** How Hydra's mailers send (HYDRA_SMTP_URL set): the training reports, the sustain loop's stale notices. */
export function mailerOptionsOf(c: Config, say: (line: string) => void): MailerOptions {
  if (!c.HYDRA_SMTP_URL) throw new Error('HYDRA_SMTP_URL is not set');
  return {
    smtpUrl: c.HYDRA_SMTP_URL,
    from: c.HYDRA_MAIL_FROM,
    publicUrl: publicUrlOf(c),
    retryMaxMs: c.HYDRA_NOTIFY_RETRY_MAX_SECONDS * 1000,
    timeoutMs: c.HYDRA_NOTIFY_TIMEOUT_MS,
    say,
  };
}

/** Trains the models people ask for (training.requested), one at a time per worker; mails each report's link. */
export const trainingRole: Role = {
  name: 'training',
  description: 'trains a model per training.requested with the PyTorch trainer and records the outcome',
  async start(hydra, say) {
    const plotTypes = await PlotTypeCache.open(hydra.log);
    const worker = new TrainingWorker(trainingDeps(hydra, plotTypes, say));
    const mailer = reportMailer(hydra, plotTypes, say);
    await worker.start();
    await mailer?.start();
    return {
      stats: () => ({
        ...worker.stats,
        consumers: [worker.consumerStats, ...(mailer ? [mailer.consumerStats] : [])].map(summaryOf),
      }),
      async stop() {
        await mailer?.stop();
        await worker.stop();
        await plotTypes.close();
      },
    };
  },
};
