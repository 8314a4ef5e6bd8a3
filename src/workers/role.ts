import type { Hydra } from '../context.ts';
import type { RoleStats } from '../processes/heartbeat.ts';

export interface RunningRole {
  readonly stats: () => RoleStats;
  /** Drains: finishes the message in hand, leaves nothing half-written. */
  stop(): Promise<void>;
}

/** One thing a Hydra process can do. `hydra up` runs them all; `hydra worker NAME` runs one. */
export interface Role {
  readonly name: string;
  readonly description: string;
  start(hydra: Hydra, say: (line: string) => void): Promise<RunningRole>;
}
