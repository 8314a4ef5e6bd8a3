import type { HydraEvent } from '../events/catalog.ts';
import type { EventLog } from '../events/log.ts';
import { alarmsProjection } from '../projections/alarms/projection.ts';
import type { AlarmRow } from '../projections/alarms/table.ts';

export type AlarmEvent = Extract<HydraEvent, { type: 'alarm.raised' | 'alarm.resolved' | 'alarm.acknowledged' }>;
export const isAlarmEvent = (e: HydraEvent): e is AlarmEvent =>
  e.type === 'alarm.raised' || e.type === 'alarm.resolved' || e.type === 'alarm.acknowledged';

/**
 * Every alarm episode, folded from the alarm events with the alarms read model's own `evolve`, in memory:
 * what the CLI lists and acknowledges, and what notifiers need (a resolution names only the alarm id).
 * An episode can be read as it stood at any event (a late notification tells what was true then).
 * Applying an event twice, or an old one late, changes nothing.
 */
export class AlarmBook {
  private readonly events = new Map<string, AlarmEvent[]>();

  /** Folds every alarm event in the stream so far. */
  static async load(log: EventLog): Promise<AlarmBook> {
    const book = new AlarmBook();
    const filter = log.names.filter('alarm');
    for await (const item of log.read({ filter })) {
      if (item.ok && isAlarmEvent(item.event)) book.apply(item.event);
    }
    return book;
  }

  apply(e: AlarmEvent): void {
    const list = this.events.get(e.data.alarmId) ?? [];
    if (list.some((x) => x.seq === e.seq)) return;
    list.push(e);
    list.sort((a, b) => a.seq - b.seq);
    this.events.set(e.data.alarmId, list);
  }

  /** The episode as it stood after the event at `asOfSeq` (default: now); undefined if not raised by then. */
  get(alarmId: string, asOfSeq = Number.POSITIVE_INFINITY): AlarmRow | undefined {
    let row: AlarmRow | null = null;
    for (const e of this.events.get(alarmId) ?? []) {
      if (e.seq > asOfSeq) break;
      row = alarmsProjection.evolve(row, e, alarmId);
    }
    return row ?? undefined;
  }

  /** Raised and not resolved (acknowledged ones included: the plot is still bad). */
  open(): AlarmRow[] {
    return this.all().filter((r) => r.state !== 'resolved');
  }

  /** Latest raised first. */
  all(): AlarmRow[] {
    return [...this.events.keys()]
      .map((id) => this.get(id))
      .filter((r): r is AlarmRow => r !== undefined)
      .sort((a, b) => b.raisedAt.localeCompare(a.raisedAt) || b.seq - a.seq);
  }
}

/** Sequence of the last message matching a subject filter (wildcards allowed); 0 when none. */
