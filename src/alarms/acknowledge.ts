import { z } from 'zod';
import { tokenSchema } from '../events/define.ts';
import type { EventLog } from '../events/log.ts';
import type { AlarmRow } from '../projections/alarms/table.ts';
import { AlarmBook } from './book.ts';
import { AlarmNotFoundError } from './errors.ts';

export const acknowledgementSchema = z.object({
  alarmId: tokenSchema,
  user: z.string().trim().min(1, 'who acknowledges').max(100),
  comment: z.string().trim().max(2000).optional(),
});
export type Acknowledgement = z.input<typeof acknowledgementSchema>;

/**
 * A person says they saw an alarm (with what they did about it). Appends alarm.acknowledged for an alarm
 * that was raised, open or resolved; acknowledging again adds another acknowledgement (the latest shows).
 */
export async function acknowledgeAlarm<A extends Pick<AlarmRow, 'plotType'> = AlarmRow>(
  log: EventLog,
  input: Acknowledgement,
  opts: { book?: AlarmBook; producer?: string; findAlarm?: (alarmId: string) => Promise<A | undefined> } = {},
): Promise<{ alarm: A; seq: number }> {
  const ack = acknowledgementSchema.parse(input);
  // Pages look the alarm up in the read model; the CLI folds the stream.
  const find =
    opts.findAlarm ?? (async (id: string) => (opts.book ?? (await AlarmBook.load(log))).get(id) as A | undefined);
  const alarm = await find(ack.alarmId);
  if (!alarm) throw new AlarmNotFoundError(ack.alarmId);
  const comment = ack.comment === '' ? undefined : ack.comment;
  const r = await log.append({
    type: 'alarm.acknowledged',
    metadata: { correlationId: `ack:${ack.alarmId}`, producer: opts.producer ?? 'alarms', user: ack.user },
    data: { alarmId: ack.alarmId, plotType: alarm.plotType, user: ack.user, ...(comment ? { comment } : {}) },
  });
  return { alarm, seq: r.seq };
}
