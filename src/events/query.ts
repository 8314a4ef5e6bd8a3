import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { HydraEvent } from './catalog.ts';
import type { EventLog } from './log.ts';

/** The sequence of the last event on subjects matching a filter (wildcards allowed); 0 when none. */
export async function lastSeqMatching(log: EventLog, filter: string): Promise<number> {
  try {
    const m = await log.jsm.streams.getMessage(log.names.stream, { last_by_subj: filter });
    return m?.seq ?? 0;
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.NoMessageFound) return 0;
    throw err;
  }
}

/**
 * Every decodable event matching a filter, in stream order, up to the last one there now. Asks for the
 * last matching sequence first: a filter nothing matches returns at once instead of waiting for a message.
 */
export async function readMatching(log: EventLog, filter: string): Promise<HydraEvent[]> {
  const until = await lastSeqMatching(log, filter);
  if (until === 0) return [];
  const out: HydraEvent[] = [];
  for await (const item of log.read({ filter, untilSeq: until })) if (item.ok) out.push(item.event);
  return out;
}
