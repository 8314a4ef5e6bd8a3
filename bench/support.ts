import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { loadConfig, withDatabase, type Config } from '../src/config.ts';
import { dropDatabase, migrateDatabase, openDatabase, type Database } from '../src/db/connection.ts';
import { EventLog } from '../src/events/log.ts';
import { configWithServices, ensureServices } from '../src/services/index.ts';

/** A private namespace and database for one benchmark, removed afterwards. */
export interface BenchEnv {
  readonly config: Config;
  readonly nc: NatsConnection;
  readonly database: Database;
  openLog(namespace?: string): Promise<EventLog>;
  cleanup(): Promise<void>;
}

export async function openBenchEnv(label: string): Promise<BenchEnv> {
  const id = `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}_${label}`;
  const base = loadConfig();
  const services = await ensureServices(base);
  const config = { ...configWithServices(base, services), HYDRA_NAMESPACE: id.replace(/_/g, '-') };
  config.DATABASE_URL = withDatabase(config.DATABASE_URL, id);
  const database = await openDatabase(config.DATABASE_URL);
  await migrateDatabase(database);
  const nc = await connect({ servers: config.NATS_URL });
  const namespaces = new Set<string>();
  return {
    config,
    nc,
    database,
    async openLog(namespace = config.HYDRA_NAMESPACE) {
      namespaces.add(namespace);
      return EventLog.open({ natsUrl: config.NATS_URL, namespace, producer: `bench-${label}`, nc });
    },
    async cleanup() {
      await database.close();
      await dropDatabase(config.DATABASE_URL);
      const jsm = await jetstreamManager(nc);
      const streams = new Set([...namespaces].map((n) => n.toUpperCase().replace(/-/g, '_')));
      for await (const s of jsm.streams.list()) {
        const n = s.config.name;
        if ([...streams].some((st) => n === st || n.startsWith(`OBJ_${st}`) || n.startsWith(`KV_${st}`)))
          await jsm.streams.delete(n);
      }
      await nc.drain();
    },
  };
}

export const rate = (n: number, ms: number): number => Math.round((n / ms) * 1000);

/**
 * CPU used from now on: this process's (every thread of it) and how busy the whole machine was, to read a
 * figure against (on a shared machine a slow run is often a busy machine).
 */
export function cpuMeter(): () => { processMs: number; machineBusyPct: number } {
  const times = () =>
    os.cpus().reduce(
      (a, c) => {
        const t = c.times;
        a.busy += t.user + t.nice + t.sys + t.irq;
        a.all += t.user + t.nice + t.sys + t.irq + t.idle;
        return a;
      },
      { busy: 0, all: 0 },
    );
  const p0 = process.cpuUsage();
  const m0 = times();
  return () => {
    const p = process.cpuUsage(p0);
    const m = times();
    return {
      processMs: Math.round((p.user + p.system) / 1000),
      machineBusyPct: Math.round((100 * (m.busy - m0.busy)) / Math.max(1, m.all - m0.all)),
    };
  };
}
