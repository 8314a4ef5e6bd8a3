import fp from 'fastify-plugin';
import { HeartbeatWatch } from '../live/heartbeats.ts';
import { LiveHub } from '../live/hub.ts';
import { htmxVersion } from './views.ts';

declare module 'fastify' {
  interface FastifyInstance {
    live: LiveHub;
  }
}

export interface LiveOptions {
  readonly cacheMs?: number;
  readonly tickMs?: number;
}

/** The live Run page: one hub per server, started with it and stopped (viewers closed) before it closes. */
export const livePlugin = fp<LiveOptions>(
  async (app, opts) => {
    const h = app.hydra;
    const logger = (line: string) => app.log.warn(line);
    const hub = new LiveHub({
      db: h.db,
      log: h.log,
      heartbeats: new HeartbeatWatch(h.status, logger),
      staleMs: h.config.HYDRA_STALE_MINUTES * 60_000,
      tz: h.config.HYDRA_TIMEZONE,
      htmxVersion,
      expectedRoles: h.expectedRoles,
      clock: h.clock,
      cacheMs: opts.cacheMs,
      tickMs: opts.tickMs,
      logger,
    });
    app.decorate('live', hub);
    app.addHook('onReady', async () => hub.start());
    app.addHook('preClose', async () => hub.stop());
  },
  { name: 'live', dependencies: ['hydra', 'views'], fastify: '5.x' },
);
