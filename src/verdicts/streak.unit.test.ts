import { describe, expect, it } from 'vitest';
import { eventStream, project } from '../../test/support/projection-spec.ts';
import { plotTypeSpec, shaOf } from '../../test/support/events.ts';
import {
  decide,
  emptyState,
  evolveAlarm,
  evolveVerdict,
  type DecisionContext,
  type VerdictEvent,
} from '../alarms/policy.ts';
import { arrivalIdOf } from '../events/image.ts';
import { plotTypeSpecSchema } from '../events/plottype.ts';
import { tileOf } from '../http/board.ts';
import { logView } from '../http/views/log.ts';
import { alarmsView } from '../http/views/run.ts';
import { tile } from '../http/views/tiles.ts';
import { alarmsProjection } from '../projections/alarms/projection.ts';
import type { AlarmRow } from '../projections/alarms/table.ts';
import { plotStatusProjection } from '../projections/plot-status/projection.ts';
import type { PlotStatusRow } from '../projections/plot-status/table.ts';
import { streakCountText } from './streak.ts';

const P = 'CDC_occ';
const spec = plotTypeSpecSchema.parse({
  ...plotTypeSpec(P, 'CDC'),
  alarmPolicy: { labels: ['Bad'], minConfidence: 0.6, consecutive: 3 },
});
const ctx = { tz: 'UTC', now: Date.parse('2026-11-26T12:00:00.000Z'), htmxVersion: 'x' };
const at = (n: number) => new Date(Date.UTC(2026, 10, 26, 10, n)).toISOString();

type Kind = 'Good' | 'Bad' | 'Bad-weak' | 'Unconfirmed';

/**
 * A plot type's arrivals with these verdicts (chunk n of run 7 is the n-th), through the alarm worker's loop
 * without NATS (decide, append, fold) and the read models: the alarm events, the plot_status row and the alarm row.
 * `imageOf(n)` names the bytes of arrival n (the same bytes may arrive in several chunks).
 */
function history(kinds: readonly Kind[], imageOf: (n: number) => string) {
  const e = eventStream();
  const arrivalOf = (n: number) => arrivalIdOf({ plotType: P, run: 7, chunk: n, pad: 1, imageId: imageOf(n) });
  const events = [e('plottype.defined', spec)];
  kinds.forEach((_, n) => {
    events.push(
      e('image.arrived', {
        arrivalId: arrivalOf(n),
        imageId: imageOf(n),
        plotType: P,
        run: 7,
        chunk: n,
        pad: 1,
        arrivedAt: at(n),
        width: 8,
        height: 8,
        bytes: 10,
        source: `${n}.png`,
      }),
    );
  });
  const verdicts = kinds.map((k, n) => {
    const verdict = k === 'Good' ? 'Good' : 'Bad';
    const confidence = k === 'Bad-weak' ? 0.55 : k === 'Unconfirmed' ? 0.5 : 0.9;
    return e('inference.completed', {
      arrivalId: arrivalOf(n),
      imageId: imageOf(n),
      plotType: P,
      run: 7,
      chunk: n,
      pad: 1,
      arrivedAt: at(n),
      modelId: 'm1',
      scores: { Good: 1 - confidence, Bad: confidence },
      verdict,
      confidence,
      confirmed: k !== 'Unconfirmed',
      timings: { queueMs: 0, preprocessMs: 0, modelMs: 0 },
    });
  });

  const dctx: DecisionContext = { spec, detector: 'CDC', run: 7 };
  let state = emptyState(P);
  const alarmEvents = [];
  for (const v of verdicts as VerdictEvent[]) {
    const out = decide(state, v, dctx);
    state = evolveVerdict(state, v, dctx);
    for (const a of out) {
      const stored = e(a.type, a.data);
      alarmEvents.push(stored);
      state = evolveAlarm(state, stored as Parameters<typeof evolveAlarm>[1]);
    }
  }
  const plot = project(plotStatusProjection, [...events, ...verdicts]).get(P)!;
  const alarm = project(alarmsProjection, alarmEvents).values().next().value;
  return { alarmEvents, state, plot, alarm, arrivalOf };
}

/** The banner of the open alarm as the Run page shows it, and the Log's summary of the plot type. */
function pages(plot: PlotStatusRow, alarm: AlarmRow) {
  const banner = alarmsView(
    [{ ...alarm, imageCount: plot.streakCount, unconfirmed: plot.streakUnconfirmed }],
    ctx,
  ).value;
  const tileHtml = tile(tileOf(plot, ctx.now, 3600_000), ctx).value;
  const log = logView(
    {
      plots: [plot],
      entries: [],
      total: 0,
      summary: [{ plotType: P, total: 9, unconfirmed: 3, first: at(1), last: at(9) }],
    },
    { kind: 'all', page: 1 },
    { kind: 'all', page: 1 },
    ctx,
  ).main.value;
  return { banner, tileHtml, log };
}

describe('one streak, one count', () => {
  it('the alarm, the Run tile and the Log say the same number for one sequence of verdicts', () => {
    // Good, then Bad ones strong and weak with Unconfirmed ones between.
    const kinds: Kind[] = [
      'Good',
      'Bad',
      'Unconfirmed',
      'Bad-weak',
      'Bad',
      'Unconfirmed',
      'Bad',
      'Bad',
      'Bad',
      'Unconfirmed',
    ];
    const { alarmEvents, state, plot, alarm } = history(kinds, (n) => shaOf(`img${n}`));
    expect(alarmEvents.map((a) => a.type)).toEqual(['alarm.raised']);

    // 9 verdicts since the first Bad: 6 Bad (one weak), 3 Unconfirmed.
    expect(plot).toMatchObject({ streakCount: 9, streakUnconfirmed: 3, streakImageId: shaOf('img1') });
    expect(state.problem).toMatchObject({ bad: 6, unconfirmed: 3 });
    const text = streakCountText({ bad: 6, unconfirmed: 3 });
    expect(text).toBe('9 images (3 Unconfirmed)');

    // The alarm was raised at the third alarming verdict (the seventh verdict): the streak had 6 images then.
    expect(alarm!.imageCount).toBe(6);
    // Open, it is shown with the streak's count now (openAlarms reads it from plot_status).
    for (const page of Object.values(pages(plot, alarm!))) expect(page).toContain(text);
  });

  it('the alarm banner and the Log open the arrival that began the problem, not the bytes arriving later', () => {
    // A detector that is off: the same empty plot arrives in every chunk, Bad from chunk 1 on.
    const kinds: Kind[] = ['Good', 'Bad', 'Bad', 'Bad', 'Bad'];
    const same = shaOf('empty plot');
    const { plot, alarm, arrivalOf } = history(kinds, (n) => (n === 0 ? shaOf('a good plot') : same));
    expect(alarm).toMatchObject({ firstImageId: same, firstArrivalId: arrivalOf(1) });
    const { banner, log } = pages(plot, alarm!);
    const opens = (page: string) => [...page.matchAll(/href="\/images\/([0-9a-f]{64})"/g)].map((m) => m[1]);
    expect(opens(banner)).toEqual([arrivalOf(1)]);
    expect(opens(log)).toEqual([arrivalOf(1)]);
    // An alarm recorded before it named its arrival opens its image (the route's latest arrival of those bytes).
    expect(opens(pages(plot, { ...alarm!, firstArrivalId: null }).banner)).toEqual([same]);
  });
});
