import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventLog } from '../events/log.ts';
import type { Names } from '../events/subjects.ts';
import { emptyState, plotAlarmStateSchema, reconcile, type PlotAlarmState } from './policy.ts';

export interface LoadedState {
  readonly state: PlotAlarmState;
  /** KV revision the state was read at (null: nothing saved yet), for compare-and-set. */
  readonly revision: number | null;
}

export const alarmStateBucket = (names: Names): string => `${names.stream}_ALARMS`;

/**
 * Each plot type's alarm state (streak, open episode, subject sequences) in a KV bucket keyed by plot
 * type, written with compare-and-set after the state's events are appended and before the verdict is
 * acknowledged. The episodes are checked against the stream when nothing is saved, or when an append
 * finds the stream ahead of the saved state.
 */
export class AlarmStateStore {
  private constructor(
    private readonly kv: KV,
    private readonly log: EventLog,
  ) {}

  static async open(nc: NatsConnection, log: EventLog): Promise<AlarmStateStore> {
    const kv = await new Kvm(nc).create(alarmStateBucket(log.names), { history: 1 });
    return new AlarmStateStore(kv, log);
  }

  async load(plotType: string): Promise<LoadedState> {
    const e = await this.kv.get(plotType);
    if (e?.operation !== 'PUT')
      return { state: await this.fromStream(emptyState(plotType)), revision: e ? e.revision : null };
    const parsed = plotAlarmStateSchema.safeParse(e.json());
    // A state this version cannot read is rebuilt: the episodes from the stream, the streak afresh.
    const state = parsed.success ? parsed.data : await this.fromStream(emptyState(plotType));
    return { state, revision: e.revision };
  }

  /** Throws when someone else wrote the key since `revision` (the verdict is then retried). */
  async save(plotType: string, state: PlotAlarmState, revision: number | null): Promise<void> {
    const body = JSON.stringify(state);
    if (revision === null) await this.kv.create(plotType, body);
    else await this.kv.update(plotType, body, revision);
  }

  /** The state with its episodes as the stream has them (last alarm.raised and alarm.resolved of the plot type). */
  async fromStream(state: PlotAlarmState): Promise<PlotAlarmState> {
    const [raised, resolved] = await Promise.all([
      this.log.lastEvent('alarm.raised', state.plotType),
      this.log.lastEvent('alarm.resolved', state.plotType),
    ]);
    return reconcile(state, raised, resolved);
  }
}
