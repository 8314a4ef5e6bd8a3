import { DeliverPolicy } from '@nats-io/jetstream';
import type { EventType, HydraEvent } from './catalog.ts';
import { readItem, type EventLog } from './log.ts';
import { encodeKey } from './subjects.ts';

/** Every decodable event matching a filter, in stream order, up to the last one there now. */
export async function readMatching(log: EventLog, filter: string): Promise<HydraEvent[]> {
  const out: HydraEvent[] = [];
  for await (const item of log.read({ filter })) if (item.ok) out.push(item.event);
  return out;
}

/** Whether the stream holds an event of any of these types for this subject key (a job's outcome, say). */
export async function anyOf(log: EventLog, types: readonly EventType[], key: string): Promise<boolean> {
  for (const t of types) if ((await log.lastSubjectSeq(t, key)) > 0) return true;
  return false;
}

/**
 * Follows one job's events (a family's events of one subject key: `<ns>.<family>.*.<key>`) from the start, as they
 * come, until `outcome` makes something of one, which it returns. `signal` gives up waiting (null); the job itself
 * goes on.
 */
export async function followUntil<T>(
  log: EventLog,
  family: string,
  key: string,
  outcome: (e: HydraEvent) => T | undefined,
  opts: { onEvent?: (e: HydraEvent) => void; signal?: AbortSignal } = {},
): Promise<T | null> {
  const consumer = await log.js.consumers.get(log.names.stream, {
    filter_subjects: `${log.names.namespace}.${family}.*.${encodeKey(key)}`,
    deliver_policy: DeliverPolicy.All,
  });
  const messages = await consumer.consume({ max_messages: 100 });
  const stop = () => void messages.close();
  opts.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (opts.signal?.aborted) return null;
    for await (const m of messages) {
      const item = readItem(m.data, m.seq, m.subject);
      if (!item.ok) continue;
      opts.onEvent?.(item.event);
      const done = outcome(item.event);
      if (done !== undefined) return done;
    }
    return null;
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    await messages.close().catch(() => undefined);
  }
}
