import type { HydraEvent } from './catalog.ts';
import type { EventLog } from './log.ts';

/** Every decodable event matching a filter, in stream order, up to the last one there now. */
export async function readMatching(log: EventLog, filter: string): Promise<HydraEvent[]> {
  const out: HydraEvent[] = [];
  for await (const item of log.read({ filter })) if (item.ok) out.push(item.event);
  return out;
}
