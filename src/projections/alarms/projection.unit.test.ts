import { describe, expect, it } from 'vitest';
import { eventStream, project } from '../../../test/support/projection-spec.ts';
import { shaOf } from '../../../test/support/events.ts';
import { alarmsProjection } from './projection.ts';
import { newsProjection } from '../news/projection.ts';
import { runsProjection } from '../runs/projection.ts';
import { scoreHistoryProjection } from '../score-history/projection.ts';

describe('alarms projection', () => {
  it('follows an episode from raised through acknowledged to resolved', () => {
    const e = eventStream();
    const raised = {
      alarmId: 'al1',
      plotType: 'CDC_occ',
      detector: 'CDC',
      run: 9,
      label: 'Bad',
      confidence: 0.95,
      firstImageId: shaOf('1'),
      firstArrivalId: shaOf('1 in chunk 4'),
      imageIds: [shaOf('1'), shaOf('2')],
      raisedAt: '2026-11-26T10:00:00.000Z',
    };
    const rows = project(alarmsProjection, [
      e('alarm.acknowledged', { alarmId: 'ghost', plotType: 'CDC_occ', user: 'x' }),
      e('alarm.raised', raised),
      e('alarm.raised', { ...raised, confidence: 0.1 }),
      e(
        'alarm.acknowledged',
        { alarmId: 'al1', plotType: 'CDC_occ', user: 'shift', comment: '<script>alert(1)</script>' },
        { time: '2026-11-26T10:05:00.000Z' },
      ),
    ]);
    expect(rows.has('ghost')).toBe(false);
    expect(rows.get('al1')).toMatchObject({
      state: 'acknowledged',
      confidence: 0.95,
      imageCount: 2,
      firstImageId: shaOf('1'),
      firstArrivalId: shaOf('1 in chunk 4'),
      acknowledgedBy: 'shift',
      comment: '<script>alert(1)</script>',
      acknowledgedAt: '2026-11-26T10:05:00.000Z',
    });
    const later = project(alarmsProjection, [
      e('alarm.raised', raised),
      e('alarm.resolved', { alarmId: 'al1', plotType: 'CDC_occ', resolvedAt: '2026-11-26T11:00:00.000Z' }),
    ]);
    expect(later.get('al1')).toMatchObject({ state: 'resolved', resolvedAt: '2026-11-26T11:00:00.000Z' });
    // Raised before the first arrival was recorded: the row says so (null), and its links fall back to the image.
    const { firstArrivalId: _, ...older } = raised;
    expect(project(alarmsProjection, [e('alarm.raised', older)]).get('al1')).toMatchObject({ firstArrivalId: null });
  });
});

describe('small read models', () => {
  it('news: the latest banner stands until cleared', () => {
    const e = eventStream();
    const posted = project(newsProjection, [
      e('news.posted', { text: 'old', user: 'a' }),
      e('news.posted', { text: 'Beam down till 14:00', level: 'warning', user: 'admin' }),
    ]);
    expect(posted.get('banner')).toMatchObject({ text: 'Beam down till 14:00', level: 'warning', user: 'admin' });
    expect(
      project(newsProjection, [e('news.posted', { text: 'x', user: 'a' }), e('news.cleared', { user: 'a' })]).size,
    ).toBe(0);
  });

  it('runs: first and last arrival of each run, and how many arrivals (the same bytes again count again)', () => {
    const e = eventStream();
    const arrive = (n: number, run: number, at: string, bytes = `r${n}`) =>
      e('image.arrived', {
        arrivalId: shaOf(`r${n}`),
        imageId: shaOf(bytes),
        plotType: 'P',
        run,
        chunk: n,
        pad: 1,
        arrivedAt: at,
        width: 1,
        height: 1,
        bytes: 1,
        source: 's',
      });
    const rows = project(runsProjection, [
      arrive(1, 5, '2026-01-01T10:00:00.000Z'),
      arrive(2, 5, '2026-01-01T09:00:00.000Z'),
      arrive(3, 6, '2026-01-01T11:00:00.000Z'),
      arrive(4, 5, '2026-01-01T09:30:00.000Z', 'r1'),
    ]);
    expect(rows.get('5')).toMatchObject({
      run: 5,
      firstArrivedAt: '2026-01-01T09:00:00.000Z',
      lastArrivedAt: '2026-01-01T10:00:00.000Z',
      arrivals: 3,
    });
    expect(rows.get('6')).toMatchObject({ arrivals: 1 });
  });

  it('score_hourly: sums and maxima per label per hour', () => {
    const e = eventStream();
    const v = (n: number, bad: number, time: string, confirmed = true) =>
      e(
        'inference.completed',
        {
          arrivalId: shaOf(`s${n}`),
          imageId: shaOf(`s${n}`),
          plotType: 'P',
          modelId: 'm',
          scores: { Good: 1 - bad, Bad: bad },
          verdict: bad > 0.5 ? 'Bad' : 'Good',
          confidence: Math.max(bad, 1 - bad),
          confirmed,
          timings: { queueMs: 0, preprocessMs: 0, modelMs: 0 },
        },
        { time },
      );
    const rows = project(scoreHistoryProjection, [
      v(1, 0.25, '2026-01-01T10:01:00.000Z'),
      v(2, 0.75, '2026-01-01T10:59:00.000Z', false),
      v(3, 0.5, '2026-01-01T11:00:00.000Z'),
    ]);
    expect(rows.get('P|2026-01-01T10:00:00.000Z')).toMatchObject({
      n: 2,
      unconfirmed: 1,
      sums: { Good: 1, Bad: 1 },
      maxes: { Good: 0.75, Bad: 0.75 },
      verdicts: { Good: 1 },
    });
    expect(rows.get('P|2026-01-01T11:00:00.000Z')).toMatchObject({ n: 1 });
  });
});
