import type { FastifyPluginAsync } from 'fastify';
import { noQuery, type ZodTypeProvider } from '../plugins/schemas.ts';
import { loadStatus } from '../queries/status.ts';
import { statusView } from '../views/status.ts';

export const statusRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  app.get('/status', { config: { access: 'watch' }, schema: { querystring: noQuery } }, async (_req, reply) => {
    const ctx = reply.viewContext();
    const [data, snap] = await Promise.all([loadStatus(app.hydra, ctx.now), app.live.current()]);
    return reply.view(statusView(data, app.live.heartbeats(), snap.data.news, ctx));
  });
};
