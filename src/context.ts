import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import type { Config } from './config.ts';
import { BlobStore } from './blobs/store.ts';
import { migrateDatabase, openDatabase, type Database } from './db/connection.ts';
import { EventLog } from './events/log.ts';
import { ensureServices, configWithServices } from './services/index.ts';

/** Everything a Hydra process talks to: opened once at start-up, closed once at the end. */
export interface Hydra {
  readonly config: Config;
  readonly nc: NatsConnection;
  readonly log: EventLog;
  readonly blobs: BlobStore;
  readonly status: KV;
  readonly database: Database;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Component name written into every event's metadata and the NATS connection name. */
  readonly producer: string;
  /** Start embedded NATS/MariaDB when the configured ones do not answer (the CLI does; tests give URLs). */
  readonly ensureServices?: boolean;
  readonly migrate?: boolean;
  readonly say?: (line: string) => void;
}

export async function openHydra(baseConfig: Config, opts: OpenOptions): Promise<Hydra> {
  const config = opts.ensureServices
    ? configWithServices(baseConfig, await ensureServices(baseConfig, { log: opts.say }))
    : baseConfig;
  const nc = await connect({ servers: config.NATS_URL, name: `hydra:${opts.producer}`, maxReconnectAttempts: -1 });
  const log = await EventLog.open({
    natsUrl: config.NATS_URL,
    namespace: config.HYDRA_NAMESPACE,
    producer: opts.producer,
    nc,
  });
  const blobs = await BlobStore.open(nc, log.names.blobBucket);
  const status = await new Kvm(nc).create(log.names.statusBucket, { history: 1 });
  // Each projection runner holds a connection for its single-writer lock and takes another per batch
  // (16 read models: 32); the pages and the workers need the rest.
  const database = await openDatabase(config.DATABASE_URL, { connectionLimit: 50 });
  if (opts.migrate) await migrateDatabase(database);
  return {
    config,
    nc,
    log,
    blobs,
    status,
    database,
    async close() {
      await database.close();
      await nc.drain();
    },
  };
}
