import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { tokenSchema } from '../../events/define.ts';
import { zonedToUtc } from '../format.ts';
import { localTimeText, optionalText, wholeNumberText } from '../../text-input.ts';
import { RequestValidationError } from '../errors.ts';
import type { ZodTypeProvider } from '../plugins/schemas.ts';
import { loadLog, type LogFilter } from '../queries/log.ts';
import { logView, type LogParams } from '../views/log.ts';

export const logQuery = z.strictObject({
  from: optionalText(localTimeText),
  to: optionalText(localTimeText),
  hours: optionalText(wholeNumberText({ min: 1, max: 24 * 400 })),
  runFrom: optionalText(wholeNumberText()),
  runTo: optionalText(wholeNumberText()),
  detector: optionalText(z.string().max(64)),
  plot: optionalText(tokenSchema),
  kind: optionalText(z.enum(['all', 'bad', 'unconfirmed'])).transform((k) => k ?? 'all'),
  page: optionalText(wholeNumberText({ min: 1, max: 1_000_000 })).transform((n) => n ?? 1),
});

/** Query → filter: dates are wall-clock times in the configured zone; with no dates and no runs, the last 24 hours. */
export function resolveLogFilter(q: LogParams, tz: string, now: number): LogFilter {
  const runs = q.runFrom !== undefined || q.runTo !== undefined;
  let from = q.from ? zonedToUtc(q.from, tz) : undefined;
  const to = q.to ? zonedToUtc(q.to, tz) : undefined;
  if (!from && !to && !runs) from = new Date(now - (q.hours ?? 24) * 3600_000).toISOString();
  if (from && to && from >= to) throw new RequestValidationError([{ path: ['to'], message: 'must be after from' }]);
  return {
    from,
    to,
    runFrom: q.runFrom,
    runTo: q.runTo,
    detector: q.detector,
    plot: q.plot,
    kind: q.kind,
    page: q.page,
  };
}

export const logRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  app.get('/log', { config: { access: 'watch' }, schema: { querystring: logQuery } }, async (req, reply) => {
    const ctx = reply.viewContext();
    const filter = resolveLogFilter(req.query, ctx.tz, ctx.now);
    const data = await loadLog(app.hydra.db, filter);
    return reply.view(logView(data, req.query, filter, ctx));
  });
};
