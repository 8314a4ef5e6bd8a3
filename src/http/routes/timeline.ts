import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { optionalText } from '../../text-input.ts';
import { tokenSchema } from '../../events/define.ts';
import { buildBoard } from '../board.ts';
import { RequestValidationError } from '../errors.ts';
import type { ZodTypeProvider } from '../plugins/schemas.ts';
import { loadOverview, loadPlots, loadTimeline } from '../queries/timeline.ts';
import { SPANS, timelineView, type SpanName } from '../views/timeline.ts';

export const timelineQuery = z.object({
  plot: optionalText(tokenSchema),
  from: optionalText(z.iso.datetime({ offset: true })),
  to: optionalText(z.iso.datetime({ offset: true })),
  span: optionalText(z.enum(Object.keys(SPANS) as [SpanName, ...SpanName[]])),
});

const MIN_SPAN = 5 * 60_000;
const MAX_SPAN = 2 * 366 * 86400_000;

export const timelineRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  app.get('/timeline', { config: { access: 'watch' }, schema: { querystring: timelineQuery } }, async (req, reply) => {
    const ctx = reply.viewContext();
    const q = req.query;
    let to = q.to ? Date.parse(q.to) : ctx.now;
    let from = q.from && !q.span ? Date.parse(q.from) : to - SPANS[q.span ?? '24h'];
    if (from >= to) throw new RequestValidationError([{ path: ['to'], message: 'must be after from' }]);
    // Keep zooming sane: at least five minutes, at most two years.
    if (to - from < MIN_SPAN) [from, to] = [(from + to) / 2 - MIN_SPAN / 2, (from + to) / 2 + MIN_SPAN / 2];
    if (to - from > MAX_SPAN) from = to - MAX_SPAN;
    const plots = await loadPlots(app.hydra.db);
    // With no plot type chosen, the worst one on the Run page.
    const chosen =
      q.plot ?? buildBoard(plots, ctx.now, Infinity).groups[0]?.tiles[0]?.plotType ?? plots[0]?.plotType ?? null;
    const plot = plots.find((p) => p.plotType === chosen) ?? null;
    const iso = (t: number) => new Date(Math.round(t)).toISOString();
    const [data, ov] = await Promise.all([
      loadTimeline(app.hydra.db, plot, iso(from), iso(to)),
      loadOverview(
        app.hydra.db,
        plots.map((p) => p.plotType),
        iso(ctx.now - 86400_000),
      ),
    ]);
    return reply.view(
      timelineView(
        data,
        { plot: plot?.plotType ?? q.plot ?? null, from, to },
        plots.sort((a, b) => a.plotType.localeCompare(b.plotType)),
        ov,
        ctx,
      ),
    );
  });
};
