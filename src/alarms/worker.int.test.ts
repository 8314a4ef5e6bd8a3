import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { arrived, meta, plotTypeSpec, randomSha } from '../../test/support/events.ts';
import { waitFor } from '../../test/support/http-sink.ts';
import type { HydraEventOf } from '../events/catalog.ts';
import { arrivalIdOf } from '../events/image.ts';
import { EventLog, type AnyNewEvent } from '../events/log.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { acknowledgeAlarm } from './acknowledge.ts';
import { AlarmBook, isAlarmEvent, type AlarmEvent } from './book.ts';
import { AlarmNotFoundError } from './errors.ts';
import { AlarmStateStore } from './store.ts';
import { AlarmWorker } from './worker.ts';

let env: TestEnv;
let log: EventLog;
let plotTypes: PlotTypeCache;
let store: AlarmStateStore;

/** A verdict on a new image of `plot` (its image.arrived first, in run `run`). */
function verdict(
  plot: string,
  verdictLabel: 'Good' | 'Bad',
  opts: { confidence?: number; confirmed?: boolean; run?: number } = {},
): AnyNewEvent[] {
  const imageId = randomSha();
  const c = opts.confidence ?? 0.95;
  const a = arrived(imageId, plot) as AnyNewEvent & { type: 'image.arrived' };
  const where = { run: opts.run ?? 4242, chunk: a.data.chunk, pad: a.data.pad, arrivedAt: a.data.arrivedAt };
  // An arrival's id is not its image's (the same bytes may arrive again elsewhere).
  const arrivalId = arrivalIdOf({ plotType: plot, ...where, imageId });
  return [
    { ...a, data: { ...a.data, ...where, arrivalId } },
    {
      type: 'inference.completed',
      id: `inference.completed:${imageId}`,
      metadata: meta,
      data: {
        arrivalId,
        imageId,
        plotType: plot,
        ...where,
        modelId: 'm1',
        scores: verdictLabel === 'Bad' ? { Good: 1 - c, Bad: c } : { Good: c, Bad: 1 - c },
        verdict: verdictLabel,
        confidence: c,
        confirmed: opts.confirmed ?? true,
        timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
      },
    },
  ];
}

async function alarmEvents(): Promise<AlarmEvent[]> {
  const filter = log.names.filter('alarm');
  const out: AlarmEvent[] = [];
  for await (const item of log.read({ filter })) if (item.ok && isAlarmEvent(item.event)) out.push(item.event);
  return out;
}

const summary = (events: AlarmEvent[], plot?: string) =>
  events.filter((e) => !plot || e.data.plotType === plot).map((e) => `${e.type.slice(6)} ${e.data.alarmId}`);

/** Waits until the consumer has acknowledged everything appended so far. */
async function drained(worker: AlarmWorker): Promise<void> {
  await waitFor('the alarm worker to catch up', async () => {
    const ci = await log.jsm.consumers.info(log.names.stream, worker.consumerName);
    return ci.num_pending === 0 && ci.num_ack_pending === 0;
  });
}

beforeAll(async () => {
  env = await openTestEnv('alarms', { migrate: false });
  log = await EventLog.open({ natsUrl: env.config.NATS_URL, namespace: env.config.HYDRA_NAMESPACE, producer: 'test' });
  await log.appendMany(
    ['CDC_occ', 'FCAL_occ', 'TOF_occ', 'RF_time'].map((p) => ({
      type: 'plottype.defined' as const,
      metadata: meta,
      data: {
        ...plotTypeSpec(p, p.split('_')[0]),
        alarmPolicy: { labels: ['Bad'], minConfidence: 0.7, consecutive: 3 },
      },
    })),
  );
  plotTypes = await PlotTypeCache.open(log);
  store = await AlarmStateStore.open(env.nc, log);
});

afterAll(async () => {
  await plotTypes?.close();
  await log?.close();
  await env?.cleanup();
});

describe('alarm worker on real NATS', () => {
  it('raises one alarm per episode, resolves it when the plot is good again, and survives losing its saved state', async () => {
    const worker = new AlarmWorker(log, plotTypes, store);
    await worker.start();
    try {
      const P = 'CDC_occ';
      // Good, then two Bad and an Unconfirmed (no alarm yet), a third Bad (alarm), more Bad (nothing new).
      const firstBad = verdict(P, 'Bad');
      for (const e of [
        verdict(P, 'Good'),
        firstBad,
        verdict(P, 'Bad'),
        verdict(P, 'Bad', { confirmed: false, confidence: 0.6 }),
      ])
        await log.appendMany(e);
      await drained(worker);
      expect(await alarmEvents()).toEqual([]);
      await log.appendMany(verdict(P, 'Bad', { confidence: 0.8, run: 4243 }));
      for (let i = 0; i < 5; i++) await log.appendMany(verdict(P, 'Bad'));
      await drained(worker);
      const [raised, ...rest] = await alarmEvents();
      expect(rest).toEqual([]);
      expect(raised).toMatchObject({
        type: 'alarm.raised',
        id: `alarm.raised:${P}-1`,
        data: { alarmId: `${P}-1`, plotType: P, detector: 'CDC', run: 4242, label: 'Bad', confidence: 0.8, episode: 1 },
      });
      expect((raised as HydraEventOf<'alarm.raised'>).data.imageIds).toHaveLength(3);
      // It names the arrival that began the streak (what its links open), filled from that verdict.
      const first = firstBad[1] as AnyNewEvent & { type: 'inference.completed' };
      expect(raised!.data).toMatchObject({ firstImageId: first.data.imageId, firstArrivalId: first.data.arrivalId });
      expect(first.data.arrivalId).not.toBe(first.data.imageId);

      // The saved state is lost (a new bucket, an operator's mistake): the stream still knows the episode is open.
      await (await import('@nats-io/kv').then(({ Kvm }) => new Kvm(env.nc).open(`${log.names.stream}_ALARMS`))).delete(
        P,
      );
      await log.appendMany(verdict(P, 'Bad'));
      await log.appendMany(verdict(P, 'Good', { confirmed: false, confidence: 0.55 }));
      await drained(worker);
      expect(summary(await alarmEvents())).toEqual([`raised ${P}-1`]);
      await log.appendMany(verdict(P, 'Good'));
      await drained(worker);
      expect(summary(await alarmEvents())).toEqual([`raised ${P}-1`, `resolved ${P}-1`]);

      // A second spell is a second episode.
      for (let i = 0; i < 3; i++) await log.appendMany(verdict(P, 'Bad'));
      await drained(worker);
      expect(summary(await alarmEvents())).toEqual([`raised ${P}-1`, `resolved ${P}-1`, `raised ${P}-2`]);
      expect(worker.stats).toMatchObject({ raised: 2, resolved: 1, failed: 0 });
    } finally {
      await worker.stop();
    }
  });

  it('repeating a verdict after a crash between appending the alarm and saving the state stores nothing twice', async () => {
    const P = 'FCAL_occ';
    const worker = new AlarmWorker(log, plotTypes, store);
    await worker.start();
    const verdicts: HydraEventOf<'inference.completed'>[] = [];
    let before: Awaited<ReturnType<AlarmStateStore['load']>>;
    try {
      for (let i = 0; i < 2; i++) await log.appendMany(verdict(P, 'Bad'));
      await drained(worker);
      before = await store.load(P);
      const third = verdict(P, 'Bad');
      await log.appendMany(third);
      await drained(worker);
      expect(summary(await alarmEvents(), P)).toEqual([`raised ${P}-1`]);
      // Put back the state as it was before the third verdict, as if the worker had died after its append.
      const now = await store.load(P);
      await store.save(P, before.state, now.revision);
      const lastVerdictSeq = await log.lastSubjectSeq(
        'inference.completed',
        (third[1]!.data as { imageId: string }).imageId,
      );
      for await (const item of log.read({ fromSeq: lastVerdictSeq, untilSeq: lastVerdictSeq })) {
        if (item.ok && item.event.type === 'inference.completed') verdicts.push(item.event);
      }
    } finally {
      await worker.stop();
    }
    expect(verdicts).toHaveLength(1);
    // Twice: the first repeat finds its append a duplicate; the second finds the episode open.
    await worker.handle(verdicts[0]!);
    await worker.handle(verdicts[0]!);
    expect(summary(await alarmEvents(), P)).toEqual([`raised ${P}-1`]);
    expect((await store.load(P)).state).toMatchObject({ open: { alarmId: `${P}-1` }, episodes: 1 });
    // A saved state that disagrees with the stream past the dedup window (another id, a stale sequence):
    // the append's expected subject sequence fails, the episodes are taken from the stream, nothing is added.
    const latest = await store.load(P);
    await store.save(P, { ...before.state, episodes: 5 }, latest.revision);
    await worker.handle(verdicts[0]!);
    expect(summary(await alarmEvents(), P)).toEqual([`raised ${P}-1`]);
    expect((await store.load(P)).state).toMatchObject({ open: { alarmId: `${P}-1` }, episodes: 5 });
  });

  it('two workers on one durable consumer take turns in order: the episodes a single pass would make, each once', async () => {
    const plots = ['TOF_occ', 'RF_time'];
    const a = new AlarmWorker(log, plotTypes, store);
    const b = new AlarmWorker(log, plotTypes, store);
    await Promise.all([a.start(), b.start()]);
    let x = 7;
    const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
    const batch: AnyNewEvent[] = [];
    const expected: string[] = [];
    const sim = new Map(plots.map((p) => [p, { streak: 0, open: false, episodes: 0 }]));
    for (let i = 0; i < 300; i++) {
      const p = plots[Math.floor(rnd() * plots.length)]!;
      const r = rnd();
      const s = sim.get(p)!;
      // Long bad and good spells, with unconfirmed images in between.
      const bad = s.open || s.streak > 0 ? r < 0.8 : r < 0.15;
      const unconfirmed = rnd() < 0.1;
      batch.push(...verdict(p, bad ? 'Bad' : 'Good', { confirmed: !unconfirmed }));
      if (unconfirmed) continue;
      if (bad && !s.open && ++s.streak >= 3) {
        s.open = true;
        s.streak = 0;
        s.episodes++;
        expected.push(`raised ${p}-${s.episodes}`);
      } else if (!bad) {
        s.streak = 0;
        if (s.open) {
          s.open = false;
          expected.push(`resolved ${p}-${s.episodes}`);
        }
      }
    }
    const t0 = performance.now();
    for (let i = 0; i < batch.length; i += 50) await log.appendMany(batch.slice(i, i + 50));
    try {
      await drained(a);
      const ms = performance.now() - t0;
      console.log(
        `alarm workers: 300 verdicts through two workers in ${ms.toFixed(0)} ms (${(300 / (ms / 1000)).toFixed(0)} verdicts/s, appends included)`,
      );
      const got = (await alarmEvents())
        .filter((e) => plots.includes(e.data.plotType))
        .map((e) => `${e.type.slice(6)} ${e.data.alarmId}`);
      expect(expected.length).toBeGreaterThanOrEqual(4);
      expect(got).toEqual(expected);
      expect(a.stats.handled + b.stats.handled).toBe(300);
      expect(a.stats.handled).toBeGreaterThan(0);
      expect(b.stats.handled).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('a person acknowledges an alarm with a comment; an unknown alarm is refused', async () => {
    const { alarm, seq } = await acknowledgeAlarm(log, {
      alarmId: 'CDC_occ-1',
      user: 'shift-leader',
      comment: 'fa125 itrig errors; run restarted',
    });
    expect(alarm.plotType).toBe('CDC_occ');
    expect(seq).toBeGreaterThan(0);
    await expect(acknowledgeAlarm(log, { alarmId: 'CDC_occ-99', user: 'x' })).rejects.toBeInstanceOf(
      AlarmNotFoundError,
    );
    await expect(acknowledgeAlarm(log, { alarmId: 'CDC_occ-1', user: '  ' })).rejects.toThrow(/who acknowledges/);
    const book = await AlarmBook.load(log);
    expect(book.get('CDC_occ-1')).toMatchObject({
      state: 'resolved',
      acknowledgedBy: 'shift-leader',
      comment: 'fa125 itrig errors; run restarted',
    });
    expect(book.get('CDC_occ-2')).toMatchObject({ state: 'active' });
    expect(book.open().map((r) => r.alarmId)).toContain('CDC_occ-2');
  });
});
