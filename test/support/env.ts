import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { loadConfig, withDatabase, type Config } from '../../src/config.ts';
import { namesFor, type Names } from '../../src/events/subjects.ts';
import { EventLog } from '../../src/events/log.ts';
import { dropDatabase, migrateDatabase, openDatabase, type Database } from '../../src/db/connection.ts';

/** A private corner of the shared servers for one test file: its own database and NATS names. */
export interface TestEnv {
  readonly config: Config;
  readonly names: Names;
  readonly database: Database;
  readonly nc: NatsConnection;
  cleanup(): Promise<void>;
}

export function uniqueId(label: string): string {
  return `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}_${label}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 40);
}

export async function openTestEnv(label: string, opts: { migrate?: boolean } = {}): Promise<TestEnv> {
  const id = uniqueId(label);
  const databaseUrl = withDatabase(inject('databaseUrl'), id);
  const config = loadConfig({
    ...process.env,
    NATS_URL: inject('natsUrl'),
    DATABASE_URL: databaseUrl,
    HYDRA_NAMESPACE: id.replace(/_/g, '-'),
  });
  const database = await openDatabase(databaseUrl);
  if (opts.migrate !== false) await migrateDatabase(database);
  const nc = await connect({ servers: config.NATS_URL });
  const names = namesFor(config.HYDRA_NAMESPACE);
  return {
    config,
    names,
    database,
    nc,
    async cleanup() {
      await database.close();
      await dropDatabase(databaseUrl);
      const jsm = await jetstreamManager(nc);
      for await (const s of jsm.streams.list()) {
        const n = s.config.name;
        if (n === names.stream || n.startsWith(`OBJ_${names.stream}`) || n.startsWith(`KV_${names.stream}`)) {
          await jsm.streams.delete(n);
        }
      }
      await nc.drain();
    },
  };
}

/** The event log of a test's own stream, on the test's connection. */
export function openTestLog(env: TestEnv, producer = 'test'): Promise<EventLog> {
  return EventLog.open({ natsUrl: env.config.NATS_URL, namespace: env.config.HYDRA_NAMESPACE, producer, nc: env.nc });
}
