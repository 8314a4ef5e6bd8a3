import os from 'node:os';
import { z } from 'zod';
import type { KV } from '@nats-io/kv';
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

/** What a heartbeat reads from each role of the process. */
export interface StatsSource {
  readonly stats: () => RoleStats;
}

export const heartbeatSchema = z.object({
  key: z.string(),
  roles: z.array(z.string()),
  host: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  at: z.string(),
  intervalMs: z.number().int().positive(),
  stats: z.record(
    z.string(),
    z.object({
      handled: z.number(),
      failed: z.number(),
      lastMs: z.number(),
      histogram: z.record(z.string(), z.number()).optional(),
      consumers: z
        .array(
          z.object({
            durable: z.string(),
            state: z.enum(['starting', 'consuming', 'standby', 'restarting', 'stopped']),
            restarts: z.number(),
            reconnects: z.number(),
            lastError: z.string().nullable(),
          }),
        )
        .optional(),
    }),
  ),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** Writes this process's status to the KV bucket every few seconds; a stale entry means the process is gone. */
export function startHeartbeat(
  kv: KV,
  roles: ReadonlyMap<string, StatsSource>,
  intervalMs = 5000,
): { stop(): Promise<void> } {
  const host = os.hostname();
  const key = `proc.${host.replace(/[^A-Za-z0-9_-]/g, '_')}.${process.pid}`;
  const startedAt = new Date().toISOString();
  const beat = async () => {
    const stats: Record<string, RoleStats> = {};
    for (const [name, r] of roles) stats[name] = r.stats();
    const hb: Heartbeat = {
      key,
      roles: [...roles.keys()],
      host,
      pid: process.pid,
      startedAt,
      at: new Date().toISOString(),
      intervalMs,
      stats,
    };
    await kv.put(key, JSON.stringify(hb)).catch(() => undefined);
  };
  void beat();
  const timer = setInterval(() => void beat(), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await kv.delete(key).catch(() => undefined);
    },
  };
}
