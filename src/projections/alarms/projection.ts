import { defineProjection } from '../runtime/projection.ts';
import { utc } from '../verdicts/time.ts';
import { alarms, type AlarmRow } from './table.ts';

/** Alarm episodes as the pages show them. Acknowledging or resolving an alarm nobody raised changes nothing. */
export const alarmsProjection = defineProjection({
  name: 'alarms',
  table: alarms,
  idColumn: 'alarmId',
  handles: ['alarm.raised', 'alarm.acknowledged', 'alarm.resolved'],
  keyOf: (e) =>
    e.type === 'alarm.raised' || e.type === 'alarm.acknowledged' || e.type === 'alarm.resolved' ? e.data.alarmId : null,
  evolve(current: AlarmRow | null, e): AlarmRow | null {
    switch (e.type) {
      case 'alarm.raised': {
        if (current) return current;
        const d = e.data;
        return {
          alarmId: d.alarmId,
          plotType: d.plotType,
          detector: d.detector,
          run: d.run,
          label: d.label,
          confidence: d.confidence,
          firstImageId: d.firstImageId,
          firstArrivalId: d.firstArrivalId ?? null,
          imageCount: d.imageCount ?? d.imageIds.length,
          raisedAt: utc(d.raisedAt),
          state: 'active',
          acknowledgedAt: null,
          acknowledgedBy: null,
          comment: null,
          resolvedAt: null,
          resolvedImageId: null,
          seq: e.seq,
        };
      }
      case 'alarm.acknowledged':
        if (!current) return null;
        return {
          ...current,
          state: current.state === 'resolved' ? 'resolved' : 'acknowledged',
          acknowledgedAt: e.time,
          acknowledgedBy: e.data.user,
          comment: e.data.comment ?? null,
          seq: e.seq,
        };
      case 'alarm.resolved':
        if (!current) return null;
        return {
          ...current,
          state: 'resolved',
          resolvedAt: utc(e.data.resolvedAt),
          resolvedImageId: e.data.imageId ?? null,
          imageCount: e.data.imageCount ?? current.imageCount,
          seq: e.seq,
        };
      default:
        return current;
    }
  },
});
