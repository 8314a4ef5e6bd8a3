import { describe, expect, it } from 'vitest';
import { shaOf } from '../../test/support/events.ts';
import { alarmClass } from '../verdicts/semantics.ts';
import {
  alarmIdFor,
  decide,
  emptyState,
  evolveAlarm,
  evolveVerdict,
  plotTypeOfAlarmId,
  reconcile,
  type AlarmEventToAppend,
  type AlarmPolicy,
  type DecisionContext,
  type PlotAlarmState,
  type VerdictEvent,
} from './policy.ts';

const P = 'CDC_occupancy';
const policy: AlarmPolicy = { labels: ['Bad'], minConfidence: 0.6, consecutive: 3 };
const labels = [
  { name: 'Good', colour: '#2e7d32', alarms: false },
  { name: 'Bad', colour: '#c62828', alarms: true },
  { name: 'NoData', colour: '#777777', alarms: false },
];
const spec = { labels, alarmPolicy: policy };
const ctx: DecisionContext = { spec, detector: 'CDC', run: 101072 };

let seq = 0;
const at = (n: number) => `2026-11-26T10:${String(n).padStart(2, '0')}:00.000Z`;
/** A verdict on image `n` (seq follows the order they are written in a test). */
function v(n: number, verdict: string, confidence = 0.9, confirmed = true): VerdictEvent {
  seq++;
  return {
    id: `v${seq}`,
    seq,
    time: at(n % 60),
    metadata: { correlationId: `c${n}`, producer: 'inference' },
    data: {
      arrivalId: shaOf(`img${n}`),
      imageId: shaOf(`img${n}`),
      plotType: P,
      modelId: 'm1',
      scores: { Good: 1 - confidence, Bad: confidence },
      verdict,
      confidence,
      confirmed,
      timings: { queueMs: 0, preprocessMs: 0, modelMs: 0 },
    },
  };
}
const bad = (n: number, c = 0.9) => v(n, 'Bad', c);
const good = (n: number) => v(n, 'Good', 0.95);
const unconfirmed = (n: number) => v(n, 'Bad', 0.55, false);

type Given = VerdictEvent | AlarmEventToAppend;
const isVerdict = (g: Given): g is VerdictEvent => 'seq' in g;

/** Folds past facts (verdicts, and alarm events as the worker appended them) into the state. */
function fold(events: readonly Given[], c: DecisionContext = ctx, state = emptyState(P)): PlotAlarmState {
  let s = state;
  for (const g of events) {
    if (isVerdict(g)) s = evolveVerdict(s, g, c);
    else s = evolveAlarm(s, { type: g.type, seq: ++seq, data: g.data } as Parameters<typeof evolveAlarm>[1]);
  }
  return s;
}

/** The worker's loop without NATS: decide, then fold the verdict and what was appended. */
function run(verdicts: readonly VerdictEvent[], c: DecisionContext = ctx) {
  let s = emptyState(P);
  const out: AlarmEventToAppend[] = [];
  for (const e of verdicts) {
    const events = decide(s, e, c);
    s = fold([e, ...events], c, s);
    out.push(...events);
  }
  return { state: s, events: out };
}

const given = (...events: Given[]) => ({
  when: (e: VerdictEvent, c: DecisionContext = ctx) => ({
    then: (...expected: Partial<{ type: string; id: string; expectedLastSubjectSeq: number; data: object }>[]) => {
      const got = decide(fold(events, c), e, c);
      expect(got).toHaveLength(expected.length);
      expected.forEach((x, i) => expect(got[i]).toMatchObject(x));
      return got;
    },
  }),
});

describe('alarm policy', () => {
  it('classifies: confirmed alarm label over minConfidence alarms; confirmed other label is clear; the rest is neutral', () => {
    expect(alarmClass(spec, bad(1).data)).toBe('alarming');
    expect(alarmClass(spec, bad(1, 0.59).data)).toBe('neutral');
    expect(alarmClass(spec, unconfirmed(1).data)).toBe('neutral');
    expect(alarmClass(spec, good(1).data)).toBe('clear');
    expect(alarmClass(spec, v(1, 'NoData').data)).toBe('clear');
    expect(alarmClass({ labels, alarmPolicy: { ...policy, labels: ['Bad', 'NoData'] } }, v(1, 'NoData').data)).toBe(
      'alarming',
    );
    expect(alarmClass(spec, v(1, 'Good', 0.9, false).data)).toBe('neutral');
  });

  it('raises once when the third alarming verdict in a row arrives, naming the images of the streak', () => {
    given(good(0), bad(1), bad(2))
      .when(bad(3, 0.8))
      .then({
        type: 'alarm.raised',
        id: `alarm.raised:${P}-1`,
        expectedLastSubjectSeq: 0,
        data: {
          alarmId: `${P}-1`,
          plotType: P,
          detector: 'CDC',
          run: 101072,
          label: 'Bad',
          confidence: 0.8,
          episode: 1,
          firstImageId: shaOf('img1'),
          firstArrivalId: shaOf('img1'),
          imageIds: [shaOf('img1'), shaOf('img2'), shaOf('img3')],
          raisedAt: at(3),
        },
      });
  });

  it('counts each arrival of the same bytes: a plot that arrives unchanged and Bad in three chunks raises', () => {
    const same = (chunk: number): VerdictEvent => {
      const e = bad(1);
      return { ...e, data: { ...e.data, arrivalId: shaOf(`img1 chunk ${chunk}`), chunk } };
    };
    const first = same(1);
    given(first, same(2))
      .when(same(3))
      .then({
        type: 'alarm.raised',
        // The alarm opens the arrival that began it, not the bytes' latest arrival.
        data: {
          firstImageId: shaOf('img1'),
          firstArrivalId: shaOf('img1 chunk 1'),
          imageIds: Array(3).fill(shaOf('img1')),
        },
      });
    // The same verdict again (a redelivery) is still one.
    given(first, first).when(same(3)).then();
  });

  it('does not raise before the streak is long enough, nor when a clear verdict broke it', () => {
    given(bad(1)).when(bad(2)).then();
    given(bad(1), bad(2), good(3)).when(bad(4)).then();
    given(bad(1), bad(2)).when(bad(3, 0.5)).then();
  });

  it('skips Unconfirmed verdicts: they neither extend nor break a streak', () => {
    given(bad(1), unconfirmed(2), bad(3)).when(unconfirmed(4)).then();
    given(bad(1), unconfirmed(2), bad(3))
      .when(bad(5))
      .then({ type: 'alarm.raised', data: { imageIds: [shaOf('img1'), shaOf('img3'), shaOf('img5')] } });
  });

  it('raises nothing more while the episode is open', () => {
    const raised = decide(fold([bad(1), bad(2)]), bad(3), ctx);
    given(bad(1), bad(2), bad(3), ...raised, bad(4))
      .when(bad(5))
      .then();
  });

  it('resolves the open episode on a clear verdict, not on an Unconfirmed or weak one', () => {
    const raised = decide(fold([bad(1), bad(2)]), bad(3), ctx);
    const history = [bad(1), bad(2), bad(3), ...raised];
    given(...history)
      .when(unconfirmed(4))
      .then();
    given(...history)
      .when(bad(5, 0.3))
      .then();
    given(...history)
      .when(good(6))
      .then({
        type: 'alarm.resolved',
        id: `alarm.resolved:${P}-1`,
        expectedLastSubjectSeq: 0,
        data: { alarmId: `${P}-1`, plotType: P, imageId: shaOf('img6'), resolvedAt: at(6) },
      });
  });

  it('a flapping plot makes one episode per bad spell, numbered, each resolved once', () => {
    const { events, state } = run([
      bad(1),
      bad(2),
      bad(3),
      bad(4),
      good(5),
      good(6),
      bad(7),
      unconfirmed(8),
      bad(9),
      bad(10),
      bad(11),
      good(12),
      bad(13),
    ]);
    expect(events.map((e) => `${e.type} ${e.data.alarmId}`)).toEqual([
      `alarm.raised ${P}-1`,
      `alarm.resolved ${P}-1`,
      `alarm.raised ${P}-2`,
      `alarm.resolved ${P}-2`,
    ]);
    expect(state).toMatchObject({ open: null, episodes: 2, alarming: { count: 1 } });
    // Each append expects the sequence the previous one on its subject got.
    expect(events[2]!.expectedLastSubjectSeq).toBeGreaterThan(0);
  });

  it('is idempotent: a redelivered verdict changes nothing and decides nothing', () => {
    const b1 = bad(1);
    const b2 = bad(2);
    const b3 = bad(3);
    const s = fold([b1, b2]);
    expect(evolveVerdict(s, b2, ctx)).toBe(s);
    const raised = decide(s, b3, ctx);
    const after = fold([b3, ...raised], ctx, s);
    expect(decide(after, b3, ctx)).toEqual([]);
    // The same image judged again under a new sequence: one more verdict in the streak, not in the alarming run.
    const again = { ...b2, seq: b3.seq + 100 };
    expect(evolveVerdict(s, again, ctx).alarming).toBe(s.alarming);
    expect(evolveVerdict(s, again, ctx).problem).toMatchObject({ bad: 3 });
  });

  it('uses the policy in force: consecutive 1 raises on the first alarming verdict', () => {
    given()
      .when(bad(1), { ...ctx, spec: { labels, alarmPolicy: { ...policy, consecutive: 1 } } })
      .then({ type: 'alarm.raised', data: { imageIds: [shaOf('img1')] } });
  });

  it('keeps the first images of a very long streak and counts the rest', () => {
    const long: DecisionContext = { ...ctx, spec: { labels, alarmPolicy: { ...policy, consecutive: 80 } } };
    const s = fold(
      Array.from({ length: 79 }, (_, i) => bad(100 + i)),
      long,
    );
    expect(s.alarming).toMatchObject({ count: 79 });
    expect(s.problem).toMatchObject({ bad: 79, unconfirmed: 0 });
    expect(s.alarming.entries).toHaveLength(64);
    const [raised] = decide(s, bad(200), long);
    expect(raised).toMatchObject({ data: { firstImageId: shaOf('img100') } });
    expect(raised!.data).toHaveProperty('imageIds.length', 64);
  });
});

describe('rebuilding state from the stream', () => {
  const raisedFact = (episode: number, s: number) => ({
    type: 'alarm.raised' as const,
    seq: s,
    data: {
      alarmId: alarmIdFor(P, episode),
      plotType: P,
      detector: 'CDC',
      run: 1,
      label: 'Bad',
      confidence: 0.9,
      firstImageId: shaOf('f'),
      imageIds: [shaOf('f')],
      raisedAt: at(1),
      episode,
    },
  });
  const resolvedFact = (episode: number, s: number) => ({
    type: 'alarm.resolved' as const,
    seq: s,
    data: { alarmId: alarmIdFor(P, episode), plotType: P, resolvedAt: at(2) },
  });

  it('finds the open episode a crash kept out of the saved state, so the retry raises nothing', () => {
    const saved = fold([bad(1), bad(2)]);
    const b3 = bad(3);
    const [raised] = decide(saved, b3, ctx);
    const inStream = {
      type: 'alarm.raised' as const,
      seq: 500,
      data: raised!.data as ReturnType<typeof raisedFact>['data'],
    };
    const rebuilt = reconcile(saved, inStream, undefined);
    expect(rebuilt).toMatchObject({
      open: { alarmId: `${P}-1`, episode: 1 },
      raisedSeq: 500,
      episodes: 1,
      alarming: { count: 0 },
    });
    expect(decide(rebuilt, b3, ctx)).toEqual([]);
    expect(decide(rebuilt, good(4), ctx)).toMatchObject([{ type: 'alarm.resolved', expectedLastSubjectSeq: 0 }]);
  });

  it('with nothing saved: a resolved last episode is closed and the next one gets the next number', () => {
    const rebuilt = reconcile(emptyState(P), raisedFact(4, 40), resolvedFact(4, 41));
    expect(rebuilt).toMatchObject({ open: null, episodes: 4, raisedSeq: 40, resolvedSeq: 41 });
    const { state } = { state: fold([bad(1), bad(2)], ctx, rebuilt) };
    expect(decide(state, bad(3), ctx)).toMatchObject([
      { data: { alarmId: `${P}-5`, episode: 5 }, expectedLastSubjectSeq: 40 },
    ]);
  });

  it('keeps a building streak when the stream holds nothing newer than the saved state', () => {
    const saved = { ...fold([bad(1), bad(2)]), raisedSeq: 40, resolvedSeq: 41, episodes: 4 };
    expect(reconcile(saved, raisedFact(4, 40), resolvedFact(4, 41))).toEqual(saved);
  });

  it('an alarm raised elsewhere without an episode number still opens', () => {
    const fact = raisedFact(1, 7);
    const { episode: _drop, ...data } = fact.data;
    expect(reconcile(emptyState(P), { ...fact, data }, undefined)).toMatchObject({
      open: { alarmId: `${P}-1` },
      episodes: 1,
    });
  });

  it('alarm ids name their plot type', () => {
    expect(alarmIdFor(P, 3)).toBe(`${P}-3`);
    expect(plotTypeOfAlarmId(`${P}-3`)).toBe(P);
    expect(alarmIdFor('x'.repeat(128), 1).length).toBeLessThanOrEqual(128);
  });
});
