import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { hydraPlugin, type HttpDeps } from './plugins/hydra.ts';
import { splitList } from './hosts.ts';
import { schemasPlugin } from './plugins/schemas.ts';
import { viewsPlugin } from './plugins/views.ts';
import { securityPlugin } from './plugins/security.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { livePlugin, type LiveOptions } from './plugins/live.ts';
import { assetsPlugin, type AssetOptions } from './plugins/assets.ts';
import { runRoutes } from './routes/run.ts';
import { imageRoutes } from './routes/images.ts';
import { logRoutes } from './routes/log.ts';
import { timelineRoutes } from './routes/timeline.ts';
import { statusRoutes } from './routes/status.ts';
import { opsRoutes } from './routes/ops.ts';
import { actionRoutes } from './routes/actions.ts';
import { signInRoutes } from './routes/signin.ts';
import { adminRoutes } from './routes/admin.ts';
import { plotTypeRoutes } from './routes/plot-types.ts';
import { modelImportRoutes } from './routes/model-import.ts';
import { labelerRoutes } from './routes/labeler.ts';
import { libraryRoutes } from './routes/library.ts';
import { trainingRoutes } from './routes/training.ts';
import { thresholdsRoutes } from './routes/thresholds.ts';
import { backfillRoutes } from './routes/backfills.ts';
import { uploadRoutes, type UploadOptions } from './routes/upload.ts';
import type { RoleStats } from '../processes/heartbeat.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Requests answered, failed (5xx), and the last one's time in ms: the http role's heartbeat. */
    requestStats: RoleStats;
  }
}

export interface AppOptions {
  readonly deps: HttpDeps;
  readonly live?: LiveOptions;
  readonly assets?: AssetOptions;
  readonly logger?: FastifyServerOptions['logger'];
  /** The upload API (POST /api/images), when this process ingests. */
  readonly upload?: UploadOptions;
  readonly timeouts?: Partial<HttpTimeouts>;
}

/** How long a client may take, so that no slow or stalled client holds a connection open. */
export interface HttpTimeouts {
  /** Headers and body of one request (an upload of the largest image included), ms. */
  readonly requestMs: number;
  /** The request's headers, ms. */
  readonly headersMs: number;
  /** A connection with nothing moving on it (the live stream pings every 20 s), ms. */
  readonly idleMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { requestMs: 60_000, headersMs: 10_000, idleMs: 60_000 };

/** The web pages and their endpoints, ready for `inject` (tests) or `listen` (src/http/server.ts). */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const proxies = splitList(opts.deps.config.HYDRA_TRUSTED_PROXIES);
  const t = { ...DEFAULT_HTTP_TIMEOUTS, ...opts.timeouts };
  const app = Fastify({
    logger: opts.logger ?? false,
    requestTimeout: t.requestMs,
    connectionTimeout: t.idleMs,
    // Node checks the request and header limits on this interval: a fraction of the shortest one.
    http: { headersTimeout: t.headersMs, connectionsCheckingInterval: Math.max(50, Math.min(t.headersMs, 2_000) / 4) },
    forceCloseConnections: true,
    return503OnClosing: true,
    // Only configured reverse proxies are believed about the client's address and scheme.
    trustProxy: proxies.length ? proxies : false,
  });
  const stats: RoleStats = { handled: 0, failed: 0, lastMs: 0 };
  app.decorate('requestStats', stats);
  app.addHook('onResponse', async (_req, reply) => {
    stats.handled++;
    if (reply.statusCode >= 500) stats.failed++;
    stats.lastMs = Math.round(reply.elapsedTime * 10) / 10;
  });
  await app.register(hydraPlugin, opts.deps);
  await app.register(schemasPlugin);
  await app.register(securityPlugin);
  await app.register(authPlugin);
  await app.register(viewsPlugin);
  await app.register(errorsPlugin);
  await app.register(livePlugin, opts.live ?? {});
  await app.register(assetsPlugin, opts.assets ?? {});
  await app.register(runRoutes);
  await app.register(imageRoutes);
  await app.register(logRoutes);
  await app.register(timelineRoutes);
  await app.register(statusRoutes);
  await app.register(opsRoutes);
  await app.register(actionRoutes);
  await app.register(signInRoutes);
  await app.register(adminRoutes);
  await app.register(plotTypeRoutes);
  await app.register(labelerRoutes);
  await app.register(libraryRoutes);
  await app.register(modelImportRoutes);
  await app.register(trainingRoutes);
  await app.register(thresholdsRoutes);
  await app.register(backfillRoutes);
  if (opts.upload) await app.register(uploadRoutes, opts.upload);
  return app;
}

export type { HttpDeps } from './plugins/hydra.ts';
