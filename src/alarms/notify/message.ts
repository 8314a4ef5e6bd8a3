import { z } from 'zod';
import { alarmArrivalId } from '../../projections/alarms/queries.ts';
import type { AlarmRow } from '../../projections/alarms/table.ts';
import type { AlarmEvent } from '../book.ts';

/** Where notifications point people: the page of the arrival that started an episode, the Run page. */
export interface Links {
  readonly base: string;
  alarm(alarm: Pick<AlarmRow, 'firstArrivalId' | 'firstImageId'>): string;
}

export function linksFor(publicUrl: string): Links {
  const base = publicUrl.replace(/\/+$/, '');
  return { base, alarm: (a) => `${base}/images/${alarmArrivalId(a)}` };
}

/** What the webhook receives: one POST per alarm event, in stream order. `eventId` is stable across retries. */
export const webhookPayloadSchema = z.object({
  source: z.literal('hydra'),
  kind: z.enum(['raised', 'resolved', 'acknowledged']),
  eventId: z.string(),
  seq: z.number().int(),
  time: z.string(),
  alarmId: z.string(),
  plotType: z.string(),
  summary: z.string(),
  alarm: z
    .object({
      detector: z.string(),
      run: z.number().int(),
      label: z.string(),
      confidence: z.number(),
      firstImageId: z.string(),
      /** The arrival of the first image (what imageUrl opens); null for alarms raised before it was recorded. */
      firstArrivalId: z.string().nullable(),
      imageCount: z.number().int(),
      raisedAt: z.string(),
      state: z.string(),
      resolvedAt: z.string().nullable(),
      acknowledgedBy: z.string().nullable(),
      comment: z.string().nullable(),
    })
    .nullable(),
  imageUrl: z.string().nullable(),
  user: z.string().optional(),
  comment: z.string().optional(),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export function summaryOf(
  kind: WebhookPayload['kind'],
  plotType: string,
  alarm: AlarmRow | undefined,
  user?: string,
): string {
  const what = alarm ? `${plotType} (${alarm.detector}) ${alarm.label}` : plotType;
  if (kind === 'raised')
    return `${what} since run ${alarm?.run ?? '?'}: ${alarm?.imageCount ?? 0} images in the problem streak, confidence at least ${alarm ? alarm.confidence.toFixed(2) : '?'}`;
  if (kind === 'resolved') return `${plotType} is good again`;
  return `${plotType} alarm acknowledged by ${user ?? '?'}`;
}

export function webhookPayload(e: AlarmEvent, alarm: AlarmRow | undefined, links: Links): WebhookPayload {
  const kind = e.type === 'alarm.raised' ? 'raised' : e.type === 'alarm.resolved' ? 'resolved' : 'acknowledged';
  const user = e.type === 'alarm.acknowledged' ? e.data.user : undefined;
  const comment = e.type === 'alarm.acknowledged' ? e.data.comment : undefined;
  return {
    source: 'hydra',
    kind,
    eventId: e.id,
    seq: e.seq,
    time: e.time,
    alarmId: e.data.alarmId,
    plotType: e.data.plotType,
    summary: summaryOf(kind, e.data.plotType, alarm, user),
    alarm: alarm
      ? {
          detector: alarm.detector,
          run: alarm.run,
          label: alarm.label,
          confidence: alarm.confidence,
          firstImageId: alarm.firstImageId,
          firstArrivalId: alarm.firstArrivalId,
          imageCount: alarm.imageCount,
          raisedAt: alarm.raisedAt,
          state: alarm.state,
          resolvedAt: alarm.resolvedAt,
          acknowledgedBy: alarm.acknowledgedBy,
          comment: alarm.comment,
        }
      : null,
    imageUrl: alarm ? links.alarm(alarm) : null,
    ...(user !== undefined ? { user } : {}),
    ...(comment !== undefined ? { comment } : {}),
  };
}

/** One alert as Alertmanager's v2 API takes it (POST /api/v2/alerts, a JSON array of these). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

export const ALERT_NAME = 'HydraPlotBad';

/**
 * The alert for an episode. Its labels identify it (the same on raise, refresh and resolution) and carry
 * what Alertmanager groups by: plot_type, detector, run. A firing alert is valid until `endsAt`
 * (re-sent before then); a resolved one ends when the plot was good again.
 */
export function alertFor(alarm: AlarmRow, opts: { severity: string; links: Links; endsAt: string }): AlertmanagerAlert {
  const resolved = alarm.state === 'resolved' && alarm.resolvedAt !== null;
  const endsAt = resolved ? laterOf(alarm.resolvedAt!, alarm.raisedAt) : opts.endsAt;
  const image = opts.links.alarm(alarm);
  return {
    labels: {
      alertname: ALERT_NAME,
      plot_type: alarm.plotType,
      detector: alarm.detector,
      run: String(alarm.run),
      severity: opts.severity,
      label: alarm.label,
      alarm_id: alarm.alarmId,
    },
    annotations: {
      summary: `${alarm.plotType} (${alarm.detector}) is ${alarm.label}`,
      description:
        `${alarm.plotType} turned ${alarm.label} in run ${alarm.run}: ${alarm.imageCount} images in its problem streak, ` +
        `raised at confidence at least ${alarm.confidence.toFixed(2)}. Alarm ${alarm.alarmId}.` +
        (alarm.acknowledgedBy
          ? ` Acknowledged by ${alarm.acknowledgedBy}${alarm.comment ? `: ${alarm.comment}` : ''}.`
          : ''),
      image: image,
    },
    startsAt: alarm.raisedAt,
    endsAt,
    generatorURL: image,
  };
}

const laterOf = (a: string, b: string): string => (Date.parse(a) >= Date.parse(b) ? a : b);
