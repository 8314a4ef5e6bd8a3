import { desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/connection.ts';
import { alarms, type AlarmRow } from './table.ts';

/** Alarms not yet resolved (active or acknowledged), newest first. */
export async function openAlarms(db: Db, limit: number): Promise<AlarmRow[]> {
  return db
    .select()
    .from(alarms)
    .where(inArray(alarms.state, ['active', 'acknowledged']))
    .orderBy(desc(alarms.raisedAt))
    .limit(limit);
}

/** The plot type an alarm is about, or null for an alarm the read model does not hold. */
export async function alarmPlotType(db: Db, alarmId: string): Promise<string | null> {
  const [row] = await db.select({ plotType: alarms.plotType }).from(alarms).where(eq(alarms.alarmId, alarmId));
  return row?.plotType ?? null;
}
