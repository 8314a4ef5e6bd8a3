import { describe, expect, it } from 'vitest';
import { eventStream, project } from '../../test/support/projection-spec.ts';
import { plotTypeSpec, shaOf } from '../../test/support/events.ts';
import { plotTypeSpecSchema } from '../events/plottype.ts';
import { tileOf } from '../http/board.ts';
import { plotStatusProjection } from '../projections/plot-status/projection.ts';
import {
  alarmClass,
  labelMeanings,
  meaningOf,
  outcomeOf,
  problemLabels,
  problemsOf,
  samplingReason,
  wantsHeatmap,
} from './semantics.ts';

// LED is a problem only because the alarm policy names it; Cosmic only because its label says `alarms`.
const spec = plotTypeSpecSchema.parse({
  ...plotTypeSpec('BCAL_occ', 'BCAL'),
  labels: [
    { name: 'Good', colour: '#2e7d32' },
    { name: 'Bad', colour: '#c62828', alarms: true },
    { name: 'LED', colour: '#f9a825' },
    { name: 'Cosmic', colour: '#6a1b9a', alarms: true },
    { name: 'NoData', colour: '#777777' },
  ],
  alarmPolicy: { labels: ['Bad', 'LED'], minConfidence: 0.6, consecutive: 2 },
});
const verdict = (label: string, confirmed = true, confidence = 0.9) => ({ verdict: label, confirmed, confidence });

describe('what a verdict means', () => {
  it('takes the problem labels from the labels flagged alarms and from the alarm policy', () => {
    expect([...problemLabels(spec)].sort()).toEqual(['Bad', 'Cosmic', 'LED']);
    expect([...problemLabels(undefined)]).toEqual(['Bad']);
    expect(labelMeanings(spec).map((l) => [l.name, l.bad])).toEqual([
      ['Good', false],
      ['Bad', true],
      ['LED', true],
      ['Cosmic', true],
      ['NoData', false],
    ]);
    expect([...problemsOf([])]).toEqual(['Bad']);
  });

  it('calls a confirmed problem label bad, an unconfirmed verdict unconfirmed, anything else good', () => {
    const problems = problemLabels(spec);
    expect(meaningOf(problems, verdict('LED'))).toBe('bad');
    expect(meaningOf(problems, verdict('NoData'))).toBe('good');
    expect(meaningOf(problems, verdict('Good', false))).toBe('unconfirmed');
    expect(outcomeOf(verdict('LED'))).toBe('LED');
    expect(outcomeOf(verdict('LED', false))).toBe('(unconfirmed)');
  });

  it('gives a label that only the alarm policy names everything a Bad gets: heatmap, queue, red tile, alarm', () => {
    const led = verdict('LED');
    expect(wantsHeatmap(spec, led)).toBe(true);
    expect(samplingReason(spec, led)).toBe('bad');
    expect(alarmClass(spec, led)).toBe('alarming');

    const e = eventStream();
    const imageId = shaOf('led');
    const rows = project(plotStatusProjection, [
      e('plottype.defined', spec),
      e('image.arrived', {
        arrivalId: imageId,
        imageId,
        plotType: 'BCAL_occ',
        run: 7,
        chunk: 1,
        pad: 1,
        arrivedAt: '2026-11-26T10:00:00.000Z',
        width: 8,
        height: 8,
        bytes: 10,
        source: 'x.png',
      }),
      e('inference.completed', {
        arrivalId: imageId,
        imageId,
        plotType: 'BCAL_occ',
        modelId: 'm1',
        scores: { Good: 0.05, Bad: 0.02, LED: 0.9, Cosmic: 0.02, NoData: 0.01 },
        ...led,
        timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
      }),
    ]);
    const row = rows.get('BCAL_occ')!;
    expect(row.streakLabel).toBe('LED');
    expect(tileOf(row, Date.parse('2026-11-26T10:01:00.000Z'), 600_000).state).toBe('bad');
  });

  it('keeps the alarm policy’s confidence bar apart from what is bad', () => {
    expect(alarmClass(spec, verdict('Bad', true, 0.55))).toBe('neutral');
    expect(samplingReason(spec, verdict('Bad', true, 0.55))).toBe('bad');
    expect(alarmClass(spec, verdict('Bad', false))).toBe('neutral');
    expect(alarmClass(spec, verdict('NoData'))).toBe('clear');
    expect(samplingReason(spec, verdict('NoData'))).toBeNull();
    expect(wantsHeatmap({ ...spec, heatmap: 'never' }, verdict('Bad'))).toBe(false);
    expect(wantsHeatmap({ ...spec, heatmap: 'always' }, verdict('Good'))).toBe(true);
  });
});
