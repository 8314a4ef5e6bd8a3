import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { fact } from '../../test/support/http.ts';
import { startSmtp, type LocalSmtp } from '../../test/support/smtp.ts';
import { trainingRun } from '../../test/support/trainings.ts';
import { until } from '../../test/support/wait.ts';
import { EventLog } from '../events/log.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { ReportMailer } from './mail.ts';

let env: TestEnv;
let log: EventLog;
let plotTypes: PlotTypeCache;
let smtp: LocalSmtp;
/** The server refuses this many mails (a full mailbox, a server restarting) before it takes them. */
let refuse = 1;

beforeAll(async () => {
  env = await openTestEnv('report_mail', { migrate: false });
  log = await EventLog.open({ natsUrl: env.config.NATS_URL, namespace: env.config.HYDRA_NAMESPACE, producer: 'test' });
  smtp = await startSmtp({
    refuse: () => {
      if (refuse <= 0) return false;
      refuse--;
      return true;
    },
  });
  await log.appendMany([
    fact.plotType('CDC_occupancy', 'CDC', { contact: 'ann@jlab.test, the CDC shift lead' }),
    fact.plotType('RF_timing', 'RF'),
  ]);
  plotTypes = await PlotTypeCache.open(log);
});
afterAll(async () => {
  await plotTypes?.close();
  await log?.close();
  await smtp?.close();
  await env?.cleanup();
});

describe('the training report e-mail', () => {
  it("reaches the plot type's contact with the report's link, once, after the server first refused it", async () => {
    const mailer = new ReportMailer(log, plotTypes, {
      smtpUrl: smtp.url,
      from: 'hydra@jlab.test',
      publicUrl: 'http://hydra.jlab.test:8080/',
      retryMaxMs: 500,
      timeoutMs: 5000,
      say: () => undefined,
    });
    await mailer.start();
    try {
      const cdc = trainingRun('CDC_occupancy', 'CDC_occupancy-20261125-m');
      const rf = trainingRun('RF_timing', 'RF_timing-20261125-m');
      const later = trainingRun('CDC_occupancy', 'CDC_occupancy-20261126-m');
      const completed = (r: typeof cdc) => r.events.filter((e) => e.type === 'training.completed');
      await log.appendMany([...completed(cdc), ...completed(rf), ...completed(later)]);
      await smtp.received.until((m) => m.length >= 2, 'two report e-mails');
      const [first, second] = smtp.received.items;
      expect(first?.to).toEqual(['ann@jlab.test']);
      expect(first?.from).toBe('hydra@jlab.test');
      const body = first!.raw.replace(/=\r?\n/g, '').replace(/\r\n[ \t]+/g, ' ');
      expect(body).toContain(`http://hydra.jlab.test:8080/training/${cdc.trainingId}`);
      expect(body).toMatch(/Subject: \[Hydra\] CDC_occupancy: model CDC_occupancy-t\w+ trained/);
      // RF_timing has no contact: the next mail is the later CDC run's, and nothing was sent twice.
      expect(second!.raw.replace(/=\r?\n/g, '')).toContain(`/training/${later.trainingId}`);
      expect(smtp.received.items).toHaveLength(2);
      await until(() => mailer.stats.handled === 2, 'the second mail acknowledged');
      expect(mailer.stats.failed).toBe(1);
    } finally {
      await mailer.stop();
    }
  });
});
