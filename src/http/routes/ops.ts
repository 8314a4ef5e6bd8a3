import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { pingDatabase } from '../../db/connection.ts';
import { MetricsEndpoint } from '../metrics.ts';
import { noQuery, type ZodTypeProvider } from '../plugins/schemas.ts';
import { hydraMetrics } from '../queries/metrics.ts';
import { loadStatus } from '../queries/status.ts';

const check = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });
const ready = z.object({
  status: z.enum(['ready', 'unavailable']),
  checks: z.object({ database: check, nats: check }),
});

async function timed(fn: () => Promise<unknown>): Promise<z.infer<typeof check>> {
  const t0 = performance.now();
  try {
    await Promise.race([fn(), new Promise((_, rej) => setTimeout(() => rej(new Error('timed out after 2 s')), 2000))]);
    return { ok: true, ms: Math.round(performance.now() - t0) };
  } catch (err) {
    return { ok: false, ms: Math.round(performance.now() - t0), error: (err as Error).message };
  }
}

/** For load balancers, Kubernetes and Prometheus. */
export const opsRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { querystring: noQuery, response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { querystring: noQuery, response: { 200: ready, 503: ready } } },
    async (_req, reply) => {
      const [database, nats] = await Promise.all([
        timed(() => pingDatabase(app.hydra.db)),
        timed(async () => {
          if (app.hydra.log.nc.isClosed()) throw new Error('connection closed');
          await app.hydra.log.nc.rtt();
        }),
      ]);
      const ok = database.ok && nats.ok;
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', checks: { database, nats } });
    },
  );

  const metrics = new MetricsEndpoint();
  app.get('/metrics', { config: { access: 'metrics' }, schema: { querystring: noQuery } }, async (_req, reply) => {
    const now = app.hydra.clock();
    const [status, snap] = await Promise.all([loadStatus(app.hydra, now, { history: false }), app.live.current()]);
    const text = await metrics.render(
      hydraMetrics(status, app.live.heartbeats(), snap, app.hydra.expectedRoles(), app.live.viewers, now),
    );
    return reply.header('content-type', metrics.contentType).send(text);
  });
};
