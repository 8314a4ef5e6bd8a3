import { describe, expect, it } from 'vitest';
import { eventStream, project } from '../../../test/support/projection-spec.ts';
import { plotTypeSpec, shaOf } from '../../../test/support/events.ts';
import { arrivalIdOf } from '../../events/image.ts';
import { plotStatusProjection } from './projection.ts';

const img = (n: number) => shaOf(`img${n}`);
const at = (min: number) => new Date(Date.UTC(2026, 10, 26, 10, min)).toISOString();

function history() {
  const e = eventStream();
  const arrive = (n: number, min: number, plotType = 'CDC_occ') =>
    e('image.arrived', {
      arrivalId: img(n),
      imageId: img(n),
      plotType,
      run: 1001,
      chunk: n,
      pad: 1,
      arrivedAt: at(min),
      width: 8,
      height: 8,
      bytes: 10,
      source: 'x.png',
    });
  const verdict = (n: number, verdict: string, confirmed = true, plotType = 'CDC_occ') =>
    e('inference.completed', {
      arrivalId: img(n),
      imageId: img(n),
      plotType,
      modelId: 'm1',
      scores: { Good: verdict === 'Good' ? 0.9 : 0.1, Bad: verdict === 'Bad' ? 0.9 : 0.1 },
      verdict,
      confidence: 0.9,
      confirmed,
      timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
    });
  return { e, arrive, verdict };
}

describe('plot_status projection', () => {
  it('shows each arrival of the same bytes as the newest, with its own chunk, and counts each verdict', () => {
    const e = eventStream();
    const empty = shaOf('empty error plot');
    const arrivalOf = (chunk: number) => arrivalIdOf({ plotType: 'CDC_occ', run: 7, chunk, pad: 1, imageId: empty });
    const events = [e('plottype.defined', plotTypeSpec('CDC_occ', 'CDC'))];
    for (const chunk of [1, 2, 3]) {
      const arrivalId = arrivalOf(chunk);
      const where = { run: 7, chunk, pad: 1, arrivedAt: at(chunk) };
      events.push(
        e('image.arrived', {
          arrivalId,
          imageId: empty,
          plotType: 'CDC_occ',
          ...where,
          width: 8,
          height: 8,
          bytes: 10,
          source: `CDC_occ-01_000${chunk}.png`,
        }),
        e('inference.completed', {
          arrivalId,
          imageId: empty,
          plotType: 'CDC_occ',
          ...where,
          modelId: 'm1',
          scores: { Good: 0.1, Bad: 0.9 },
          verdict: 'Bad',
          confidence: 0.9,
          confirmed: true,
          timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
        }),
      );
    }
    const row = project(plotStatusProjection, events).get('CDC_occ')!;
    expect(row).toMatchObject({
      arrivalId: arrivalOf(3),
      imageId: empty,
      chunk: 3,
      lastArrivalId: arrivalOf(3),
      streakArrivalId: arrivalOf(1),
      streakChunk: 1,
      streakCount: 3,
    });
    expect(row.recent.map((r) => r.chunk)).toEqual([3, 2, 1]);
  });

  it('keeps the configuration, the newest verdict and when the current problem started', () => {
    const { e, arrive, verdict } = history();
    const rows = project(plotStatusProjection, [
      e('plottype.defined', { ...plotTypeSpec('CDC_occ', 'CDC'), title: 'CDC occupancy', hidden: false }),
      arrive(1, 0),
      verdict(1, 'Good'),
      arrive(2, 1),
      verdict(2, 'Bad'),
      arrive(3, 2),
      verdict(3, 'Bad', false),
      arrive(4, 3),
      verdict(4, 'Bad'),
    ]);
    const row = rows.get('CDC_occ')!;
    expect(row).toMatchObject({
      configured: true,
      detector: 'CDC',
      title: 'CDC occupancy',
      imageId: img(4),
      verdict: 'Bad',
      confirmed: true,
      run: 1001,
      chunk: 4,
      arrivedAt: at(3),
      lastImageId: img(4),
      streakSince: at(1),
      streakImageId: img(2),
      streakChunk: 2,
      streakLabel: 'Bad',
      streakCount: 3,
    });
    expect(row.labels).toEqual([
      { name: 'Good', colour: '#2e7d32', bad: false },
      { name: 'Bad', colour: '#c62828', bad: true },
    ]);
  });

  it('ends the streak on a confirmed good verdict, not on an unconfirmed one', () => {
    const { e, arrive, verdict } = history();
    const events = [
      e('plottype.defined', plotTypeSpec('CDC_occ')),
      arrive(1, 0),
      verdict(1, 'Bad'),
      arrive(2, 1),
      verdict(2, 'Good', false),
    ];
    expect(project(plotStatusProjection, events).get('CDC_occ')).toMatchObject({
      streakImageId: img(1),
      streakCount: 2,
    });
    const more = [...events, arrive(3, 2), verdict(3, 'Good')];
    expect(project(plotStatusProjection, more).get('CDC_occ')).toMatchObject({
      streakSince: null,
      streakCount: 0,
      verdict: 'Good',
    });
  });

  it('does not let a late verdict on an older image replace the newer one', () => {
    const { e, arrive, verdict } = history();
    const rows = project(plotStatusProjection, [arrive(1, 0), arrive(2, 1), verdict(2, 'Good'), verdict(1, 'Bad')]);
    // The tile keeps the newer image; the streak counts verdicts in stream order (src/verdicts/streak.ts).
    expect(rows.get('CDC_occ')).toMatchObject({
      imageId: img(2),
      verdict: 'Good',
      streakImageId: img(1),
      streakCount: 1,
    });
    expect(rows.get('CDC_occ')!.recent.map((r) => r.imageId)).toEqual([img(2), img(1)]);
    void e;
  });

  it('shows a skipped image as not classified, and follows hidden, ignored and retired', () => {
    const { e, arrive } = history();
    const rows = project(plotStatusProjection, [
      e('plottype.defined', plotTypeSpec('RF_time', 'RF')),
      e('plottype.updated', { ...plotTypeSpec('RF_time', 'RF'), ignore: true, hidden: true }),
      arrive(7, 5, 'RF_time'),
      e('inference.skipped', { arrivalId: img(7), imageId: img(7), plotType: 'RF_time', reason: 'ignored' }),
      e('plottype.retired', { name: 'RF_time' }),
    ]);
    expect(rows.get('RF_time')).toMatchObject({
      ignored: true,
      hidden: true,
      retired: true,
      status: 'skipped',
      reason: 'ignored',
      imageId: img(7),
      verdict: null,
    });
  });

  it('counts a label with alarms or in the alarm policy as a problem', () => {
    const { e, arrive, verdict } = history();
    const spec = plotTypeSpec('FCAL', 'FCAL');
    const rows = project(plotStatusProjection, [
      e('plottype.defined', {
        ...spec,
        labels: [...spec.labels, { name: 'NoData', colour: '#888888', alarms: true }],
        alarmPolicy: { labels: ['Bad'] },
      }),
      arrive(1, 0, 'FCAL'),
      verdict(1, 'NoData', true, 'FCAL'),
    ]);
    expect(rows.get('FCAL')).toMatchObject({ streakLabel: 'NoData', streakCount: 1 });
  });
});
