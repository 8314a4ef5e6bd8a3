import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import type { Config } from './config.ts';
import { BlobStore } from './blobs/store.ts';
import { migrateDatabase, openDatabase, type Database } from './db/connection.ts';
import { EventLog } from './events/log.ts';
import { configWithServices, ensureServices, findServices, ServiceError } from './services/index.ts';

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
  /**
   * Where NATS and MariaDB come from. `start`: the configured ones, else the embedded ones Hydra
   * started, else start them (only `hydra up`, and only when HYDRA_EMBEDDED_SERVICES allows it);
   * `find`: the same without starting anything (every other command, and every worker role);
   * `given` (default): the configured URLs as they are (tests).
   */
  readonly services?: 'start' | 'find' | 'given';
  readonly migrate?: boolean;
  readonly say?: (line: string) => void;
}

async function servicesFor(config: Config, opts: OpenOptions): Promise<Config> {
  const mode = opts.services ?? 'given';
  if (mode === 'given') return config;
  if (mode === 'start' && config.HYDRA_EMBEDDED_SERVICES === 'auto')
    return configWithServices(config, await ensureServices(config, { log: opts.say }));
  const found = await findServices(config);
  const missing = [
    ...(found.nats ? [] : [`NATS (NATS_URL ${config.NATS_URL})`]),
    ...(found.mariadb ? [] : ['MariaDB (DATABASE_URL)']),
  ];
  if (missing.length > 0)
    throw new ServiceError(
      'HYDRA_SERVICE_NOT_RUNNING',
      `${missing.join(' and ')} ${missing.length > 1 ? 'do' : 'does'} not answer, and no server Hydra started is running: ${
        mode === 'start'
          ? 'HYDRA_EMBEDDED_SERVICES=never, so Hydra starts none'
          : 'start them with `npx hydra services up` or `npx hydra up` (a worker never starts its own)'
      }`,
    );
  return configWithServices(config, { natsUrl: found.nats!.url, databaseUrl: found.mariadb!.url });
}

export async function openHydra(baseConfig: Config, opts: OpenOptions): Promise<Hydra> {
  const config = await servicesFor(baseConfig, opts);
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
