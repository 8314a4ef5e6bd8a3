import { describe, expect, it } from 'vitest';
import { shaOf } from '../../../test/support/events.ts';
import type { AlarmRow } from '../../projections/alarms/table.ts';
import type { AlarmEvent } from '../book.ts';
import { alertFor, linksFor, webhookPayload, webhookPayloadSchema } from './message.ts';

const links = linksFor('https://hydra.example.org/');
const row: AlarmRow = {
  alarmId: 'CDC_occ-2',
  plotType: 'CDC_occ',
  detector: 'CDC',
  run: 101072,
  label: 'Bad',
  confidence: 0.913,
  firstImageId: shaOf('a'),
  firstArrivalId: shaOf('a in chunk 7'),
  imageCount: 3,
  raisedAt: '2026-11-26T10:00:00.000Z',
  state: 'active',
  acknowledgedAt: null,
  acknowledgedBy: null,
  comment: null,
  resolvedAt: null,
  resolvedImageId: null,
  seq: 10,
};
const meta = { correlationId: 'c', producer: 'alarms' };

describe('Alertmanager alerts', () => {
  it('a firing alert carries the grouping labels, a summary, the image link, and is valid until the given time', () => {
    expect(alertFor(row, { severity: 'critical', links, endsAt: '2026-11-26T10:04:00.000Z' })).toEqual({
      labels: {
        alertname: 'HydraPlotBad',
        plot_type: 'CDC_occ',
        detector: 'CDC',
        run: '101072',
        severity: 'critical',
        label: 'Bad',
        alarm_id: 'CDC_occ-2',
      },
      annotations: {
        summary: 'CDC_occ (CDC) is Bad',
        description:
          'CDC_occ turned Bad in run 101072: 3 images in its problem streak, raised at confidence at least 0.91. Alarm CDC_occ-2.',
        image: `https://hydra.example.org/images/${shaOf('a in chunk 7')}`,
      },
      startsAt: '2026-11-26T10:00:00.000Z',
      endsAt: '2026-11-26T10:04:00.000Z',
      generatorURL: `https://hydra.example.org/images/${shaOf('a in chunk 7')}`,
    });
  });

  it('an alarm raised before its first arrival was recorded links to its image (which opens its latest arrival)', () => {
    const old = alertFor({ ...row, firstArrivalId: null }, { severity: 's', links, endsAt: 'x' });
    expect(old.annotations.image).toBe(`https://hydra.example.org/images/${shaOf('a')}`);
  });

  it('a resolved alert has the same labels and ends when the plot was good again (never before it started)', () => {
    const resolved = {
      ...row,
      state: 'resolved',
      resolvedAt: '2026-11-26T10:30:00.000Z',
      acknowledgedBy: 'ann',
      comment: 'HV trip',
    };
    const a = alertFor(resolved, { severity: 'critical', links, endsAt: '2030-01-01T00:00:00.000Z' });
    expect(a.labels).toEqual(alertFor(row, { severity: 'critical', links, endsAt: 'x' }).labels);
    expect(a.endsAt).toBe('2026-11-26T10:30:00.000Z');
    expect(a.annotations.description).toContain('Acknowledged by ann: HV trip.');
    expect(
      alertFor({ ...resolved, resolvedAt: '2026-11-26T09:59:59.000Z' }, { severity: 's', links, endsAt: 'x' }).endsAt,
    ).toBe(row.raisedAt);
  });
});

describe('webhook payload', () => {
  it('says what happened to which alarm, with a stable event id and the episode as known', () => {
    const e = {
      id: 'ev1',
      seq: 12,
      time: '2026-11-26T10:31:00.000Z',
      type: 'alarm.acknowledged',
      key: 'CDC_occ',
      version: 1,
      subject: 's',
      metadata: meta,
      data: { alarmId: 'CDC_occ-2', plotType: 'CDC_occ', user: 'ann', comment: 'HV trip' },
    } as AlarmEvent;
    const p = webhookPayload(e, row, links);
    expect(webhookPayloadSchema.parse(p)).toEqual(p);
    expect(p).toMatchObject({
      kind: 'acknowledged',
      eventId: 'ev1',
      seq: 12,
      alarmId: 'CDC_occ-2',
      user: 'ann',
      comment: 'HV trip',
      summary: 'CDC_occ alarm acknowledged by ann',
      imageUrl: `https://hydra.example.org/images/${shaOf('a in chunk 7')}`,
    });
    expect(p.alarm).toMatchObject({ firstImageId: shaOf('a'), firstArrivalId: shaOf('a in chunk 7') });
    expect(
      webhookPayload(
        { ...e, type: 'alarm.resolved', data: { alarmId: 'X-1', plotType: 'X', resolvedAt: e.time } } as AlarmEvent,
        undefined,
        links,
      ),
    ).toMatchObject({ kind: 'resolved', alarm: null, imageUrl: null, summary: 'X is good again' });
  });
});
