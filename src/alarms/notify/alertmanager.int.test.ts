import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type GettableAlert } from '../../../test/support/alertmanager.ts';
import { openTestEnv, type TestEnv } from '../../../test/support/env.ts';
import { arrived, meta, plotTypeSpec, randomSha } from '../../../test/support/events.ts';
import { httpSink, waitFor, type HttpSink } from '../../../test/support/http-sink.ts';
import { EventLog, type AnyNewEvent } from '../../events/log.ts';
import { PlotTypeCache } from '../../plottypes/cache.ts';
import { acknowledgeAlarm } from '../acknowledge.ts';
import { AlarmStateStore } from '../store.ts';
import { AlarmWorker } from '../worker.ts';
import { linksFor } from './message.ts';
import { NotifyRunner } from './runner.ts';
import { alertmanagerTarget } from './targets.ts';

let env: TestEnv;
let log: EventLog;
let plotTypes: PlotTypeCache;
let amHook: HttpSink;

beforeAll(async () => {
  env = await openTestEnv('notify_am', { migrate: false });
  log = await EventLog.open({ natsUrl: env.config.NATS_URL, namespace: env.config.HYDRA_NAMESPACE, producer: 'test' });
  await log.append({
    type: 'plottype.defined',
    metadata: meta,
    data: {
      ...plotTypeSpec('FDC_occupancy', 'FDC'),
      alarmPolicy: { labels: ['Bad'], minConfidence: 0.8, consecutive: 2 },
    },
  });
  plotTypes = await PlotTypeCache.open(log);
  amHook = await httpSink();
});
afterAll(async () => {
  await amHook?.down();
  await plotTypes?.close();
  await log?.close();
  await env?.cleanup();
});

function verdict(label: 'Good' | 'Bad', run = 101072): AnyNewEvent[] {
  const imageId = randomSha();
  const a = arrived(imageId, 'FDC_occupancy') as AnyNewEvent & { type: 'image.arrived' };
  const where = { run, chunk: a.data.chunk, pad: a.data.pad, arrivedAt: a.data.arrivedAt };
  return [
    { ...a, data: { ...a.data, ...where } },
    {
      type: 'inference.completed',
      metadata: meta,
      data: {
        arrivalId: imageId,
        imageId,
        plotType: 'FDC_occupancy',
        ...where,
        modelId: 'm',
        scores: { Good: label === 'Good' ? 0.97 : 0.03, Bad: label === 'Bad' ? 0.97 : 0.03 },
        verdict: label,
        confidence: 0.97,
        confirmed: true,
        timings: { queueMs: 0, preprocessMs: 0, modelMs: 0 },
      },
    },
  ];
}

/** What Alertmanager's own webhook receiver got: each notification's status and its alerts' labels. */
const notified = () =>
  amHook.received.flatMap((r) => {
    const b = r.body as { status: string; alerts: { status: string; labels: Record<string, string> }[] };
    return b.alerts.map((a) => ({ status: a.status, labels: a.labels }));
  });

describe('Alertmanager (a real prometheus-alertmanager)', () => {
  it('receives the alarm with its grouping labels, keeps it across its own restart, and receives its resolution', async () => {
    let am = await startAlertmanager({ webhookUrl: `${amHook.url}/am` });
    const resendMs = 1000;
    const runner = new NotifyRunner(
      log,
      alertmanagerTarget(am.url, {
        links: linksFor('http://hydra.test:8080'),
        timeoutMs: 2000,
        severity: 'critical',
        resendMs,
      }),
      { retryMaxMs: 500, retryBaseMs: 100 },
    );
    const worker = new AlarmWorker(log, plotTypes, await AlarmStateStore.open(env.nc, log));
    await runner.start();
    await worker.start();
    const ours = (alerts: GettableAlert[]) => alerts.filter((a) => a.labels.plot_type === 'FDC_occupancy');
    try {
      for (const v of [verdict('Good'), verdict('Bad'), verdict('Bad'), verdict('Bad')]) await log.appendMany(v);
      const [alert] = await waitFor('the alert in Alertmanager', async () => {
        const a = ours(await am.alerts());
        return a.length > 0 ? a : undefined;
      });
      expect(alert!.labels).toEqual({
        alertname: 'HydraPlotBad',
        plot_type: 'FDC_occupancy',
        detector: 'FDC',
        run: '101072',
        severity: 'critical',
        label: 'Bad',
        alarm_id: 'FDC_occupancy-1',
      });
      expect(alert!.status.state).toBe('active');
      expect(alert!.annotations).toMatchObject({ summary: 'FDC_occupancy (FDC) is Bad' });
      expect(alert!.annotations.image).toMatch(/^http:\/\/hydra\.test:8080\/images\/[0-9a-f]{64}$/);
      expect(Date.parse(alert!.endsAt)).toBeGreaterThan(Date.now());
      // Alertmanager routes it to its receivers, grouped by plot type, detector and run.
      await waitFor('Alertmanager to notify its receiver', () =>
        notified().some((n) => n.status === 'firing' && n.labels.alarm_id === 'FDC_occupancy-1'),
      );
      await acknowledgeAlarm(log, {
        alarmId: 'FDC_occupancy-1',
        user: 'shift',
        comment: 'FDC HV tripped, expert called',
      });

      // Alertmanager keeps alerts in memory: restarted, it knows nothing until Hydra re-sends the open alarm.
      const port = am.port;
      await am.stop();
      am = await startAlertmanager({ webhookUrl: `${amHook.url}/am`, port });
      const [again] = await waitFor(
        'the open alarm re-sent after the restart',
        async () => {
          const a = ours(await am.alerts());
          return a.length > 0 ? a : undefined;
        },
        10_000,
      );
      expect(again!.labels.alarm_id).toBe('FDC_occupancy-1');
      expect(again!.annotations.description).toContain('Acknowledged by shift: FDC HV tripped, expert called.');

      // The plot is good again: the alert ends, leaves the active alerts, and the receiver hears it is resolved.
      await log.appendMany(verdict('Good'));
      await waitFor('the alert to be resolved', async () => (ours(await am.alerts()).length === 0 ? true : undefined));
      await waitFor('Alertmanager to notify the resolution', () =>
        notified().some((n) => n.status === 'resolved' && n.labels.alarm_id === 'FDC_occupancy-1'),
      );
      // Re-sending stops with the episode: it stays resolved.
      await new Promise((r) => setTimeout(r, resendMs * 1.5));
      expect(ours(await am.alerts())).toEqual([]);
      expect(runner.stats).toMatchObject({ failingSince: null });
      expect(runner.stats.handled).toBe(3); // raised, acknowledged, resolved
    } finally {
      await worker.stop();
      await runner.stop();
      await am.stop();
    }
  });
});
