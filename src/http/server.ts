import type { FastifyInstance } from 'fastify';
import type { Hydra } from '../context.ts';
import { buildApp } from './app.ts';
import type { UploadOptions } from './routes/upload.ts';
import type { RoleStats } from '../processes/heartbeat.ts';

export interface Server {
  readonly app: FastifyInstance;
  readonly url: string;
  /** Requests answered, failed (5xx), and the last one's time, for the heartbeat. */
  stats(): RoleStats;
  close(): Promise<void>;
}

/** Builds the app on an open Hydra and listens on the configured address. */
export async function startServer(
  hydra: Hydra,
  opts: { expectedRoles: () => readonly string[]; port?: number; host?: string; upload?: UploadOptions },
): Promise<Server> {
  const app = await buildApp({
    deps: {
      config: hydra.config,
      db: hydra.database.db,
      log: hydra.log,
      blobs: hydra.blobs,
      status: hydra.status,
      expectedRoles: opts.expectedRoles,
      clock: Date.now,
    },
    logger: { level: hydra.config.HYDRA_LOG_LEVEL === 'debug' ? 'info' : 'warn' },
    ...(opts.upload ? { upload: opts.upload } : {}),
  });
  const host = opts.host ?? hydra.config.HYDRA_HTTP_HOST;
  await app.listen({ port: opts.port ?? hydra.config.HYDRA_HTTP_PORT, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stats: () => ({ ...app.requestStats }),
    close: () => app.close(),
  };
}
