import { desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { plotStatus } from '../plot-status/table.ts';
import { alarms, type AlarmRow } from './table.ts';

/**
 * What an alarm's links open (`/images/<id>`): the arrival of its first image. An alarm raised before that was
 * recorded names only the image, whose id opens the image's latest arrival.
 */
export const alarmArrivalId = (a: Pick<AlarmRow, 'firstArrivalId' | 'firstImageId'>): string =>
  a.firstArrivalId ?? a.firstImageId;

/** An open alarm with its images counted now: its plot type's problem streak (src/verdicts/streak.ts). */
export interface OpenAlarm extends AlarmRow {
  /** Of `imageCount`, the Unconfirmed ones. */
  readonly unconfirmed: number;
}

/**
 * Alarms not yet resolved (active or acknowledged), newest first. The row's count is the streak's as the alarm
 * event recorded it; while the alarm is open the plot type's streak goes on, so its count is read from plot_status
 * (the same fold of the same verdicts: the Run tile and the Log say the same number).
 */
export async function openAlarms(db: Db, limit: number): Promise<OpenAlarm[]> {
  const rows = await db
    .select({ alarm: alarms, count: plotStatus.streakCount, unconfirmed: plotStatus.streakUnconfirmed })
    .from(alarms)
    .leftJoin(plotStatus, eq(plotStatus.plotType, alarms.plotType))
    .where(inArray(alarms.state, ['active', 'acknowledged']))
    .orderBy(desc(alarms.raisedAt))
    .limit(limit);
  return rows.map((r) =>
    r.count ? { ...r.alarm, imageCount: r.count, unconfirmed: r.unconfirmed ?? 0 } : { ...r.alarm, unconfirmed: 0 },
  );
}

/** The plot type an alarm is about, or null for an alarm the read model does not hold. */
export async function alarmPlotType(db: Db, alarmId: string): Promise<string | null> {
  const [row] = await db.select({ plotType: alarms.plotType }).from(alarms).where(eq(alarms.alarmId, alarmId));
  return row?.plotType ?? null;
}
