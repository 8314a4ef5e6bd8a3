import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../../test/support/env.ts';
import { meta, shaOf } from '../../../test/support/events.ts';
import { httpSink, waitFor } from '../../../test/support/http-sink.ts';
import { EventLog, type AnyNewEvent } from '../../events/log.ts';
import { linksFor, webhookPayloadSchema } from './message.ts';
import { NotifyRunner } from './runner.ts';
import { webhookTarget } from './targets.ts';

let env: TestEnv;
let log: EventLog;

beforeAll(async () => {
  env = await openTestEnv('notify_hook', { migrate: false });
  log = await EventLog.open({ natsUrl: env.config.NATS_URL, namespace: env.config.HYDRA_NAMESPACE, producer: 'test' });
});
afterAll(async () => {
  await log?.close();
  await env?.cleanup();
});

const raised = (plot: string, n: number): AnyNewEvent => ({
  type: 'alarm.raised',
  id: `alarm.raised:${plot}-${n}`,
  metadata: meta,
  data: {
    alarmId: `${plot}-${n}`,
    plotType: plot,
    detector: plot.split('_')[0]!,
    run: 7,
    label: 'Bad',
    confidence: 0.9,
    firstImageId: shaOf(`${plot}${n}`),
    imageIds: [shaOf(`${plot}${n}`)],
    raisedAt: new Date().toISOString(),
    episode: n,
  },
});
const resolved = (plot: string, n: number): AnyNewEvent => ({
  type: 'alarm.resolved',
  id: `alarm.resolved:${plot}-${n}`,
  metadata: meta,
  data: { alarmId: `${plot}-${n}`, plotType: plot, resolvedAt: new Date().toISOString() },
});

describe('webhook notifications', () => {
  it('a webhook that is down for a while, across a restart of the notifier, then gets every notification once, in order', async () => {
    const sink = await httpSink({ up: false });
    const target = webhookTarget(`${sink.url}/hydra-alarms`, { links: linksFor('http://hydra.test'), timeoutMs: 2000 });
    const opts = { retryMaxMs: 400, retryBaseMs: 50 };
    let runner = new NotifyRunner(log, target, opts);
    await runner.start();
    const events: AnyNewEvent[] = [
      raised('CDC_occ', 1),
      raised('FCAL_occ', 1),
      resolved('CDC_occ', 1),
      {
        type: 'alarm.acknowledged',
        metadata: { ...meta, user: 'ann' },
        data: { alarmId: 'FCAL_occ-1', plotType: 'FCAL_occ', user: 'ann', comment: 'known: HV trip' },
      },
      resolved('FCAL_occ', 1),
      raised('CDC_occ', 2),
    ];
    const seqs: number[] = [];
    for (const e of events) seqs.push((await log.append(e)).seq);
    await waitFor('a few refused tries', () => runner.stats.failed >= 3);
    expect(sink.received).toEqual([]);
    expect(runner.stats.failingSince).not.toBeNull();
    // The notifier dies while the webhook is still down; a new one picks up where it left off.
    await runner.stop();
    runner = new NotifyRunner(log, target, opts);
    await runner.start();
    await new Promise((r) => setTimeout(r, 500));
    await sink.up();
    // Even a webhook that answers with an error at first does not lose anything.
    sink.status = 503;
    await new Promise((r) => setTimeout(r, 500));
    sink.status = 200;
    try {
      await waitFor(
        'every notification',
        () => sink.received.length >= events.length && runner.stats.failingSince === null,
        20_000,
      );
      await new Promise((r) => setTimeout(r, 300));
      const got = sink.received.map((r) => webhookPayloadSchema.parse(r.body));
      expect(got.map((p) => `${p.kind} ${p.alarmId}`)).toEqual([
        'raised CDC_occ-1',
        'raised FCAL_occ-1',
        'resolved CDC_occ-1',
        'acknowledged FCAL_occ-1',
        'resolved FCAL_occ-1',
        'raised CDC_occ-2',
      ]);
      expect(got.map((p) => p.seq)).toEqual(seqs);
      expect(new Set(got.map((p) => p.eventId)).size).toBe(events.length);
      expect(sink.received.every((r) => r.path === '/hydra-alarms')).toBe(true);
      expect(got[3]).toMatchObject({
        user: 'ann',
        comment: 'known: HV trip',
        alarm: { detector: 'FCAL', run: 7, state: 'acknowledged' },
      });
      expect(got[2]).toMatchObject({
        summary: 'CDC_occ is good again',
        imageUrl: `http://hydra.test/images/${shaOf('CDC_occ1')}`,
      });
      const ci = await log.jsm.consumers.info(log.names.stream, runner.consumerName);
      expect(ci.num_pending + ci.num_ack_pending).toBe(0);
    } finally {
      await runner.stop();
      await sink.down();
    }
  });
});
