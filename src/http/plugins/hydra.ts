import fp from 'fastify-plugin';
import type { KV } from '@nats-io/kv';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/connection.ts';
import type { EventLog } from '../../events/log.ts';
import type { BlobStore } from '../../blobs/store.ts';

/** What the pages read and write: handed in by whoever builds the app (the http role, a test, the bench). */
export interface HttpDeps {
  readonly config: Config;
  readonly db: Db;
  readonly log: EventLog;
  readonly blobs: BlobStore;
  readonly status: KV;
  /** Roles some live process must run, for the "worker down" warning. */
  readonly expectedRoles: () => readonly string[];
  readonly clock: () => number;
}

declare module 'fastify' {
  interface FastifyInstance {
    hydra: HttpDeps;
  }
}

export const hydraPlugin = fp<HttpDeps>(
  async (app, deps) => {
    app.decorate('hydra', deps);
  },
  { name: 'hydra', fastify: '5.x' },
);
