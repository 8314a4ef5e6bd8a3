import type { Hydra } from '../context.ts';
import type { ConsumerSummary } from '../events/consume/index.ts';

/** Counters a role reports in its heartbeat (Status page, /metrics). */
export interface RoleStats {
  handled: number;
  failed: number;
  lastMs: number;
  /** Processing-time histogram buckets in ms (upper bounds) with counts, for the Status page. */
  histogram?: Record<string, number>;
  /** The role's durable consumers and their state (consuming, standby, restarting...). */
  consumers?: ConsumerSummary[];
}

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
