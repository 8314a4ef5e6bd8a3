import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { optionalText } from '../../text-input.ts';
import { tokenSchema } from '../../events/define.ts';
import { alarmPlotType } from '../../projections/alarms/queries.ts';
import { NotFoundError } from '../errors.ts';
import type { ZodTypeProvider } from '../plugins/schemas.ts';
import { actor, actorMetadata } from '../plugins/auth.ts';
import { newsAdmin } from '../views/status.ts';
import { acknowledgeAlarm } from '../../alarms/acknowledge.ts';
import { AlarmNotFoundError } from '../../alarms/errors.ts';

export const newsBody = z
  .object({
    action: z.enum(['post', 'clear']).default('post'),
    text: optionalText(z.string().trim().min(1).max(2000)),
    level: z.enum(['info', 'warning', 'critical']).default('info'),
  })
  .refine((b) => b.action === 'clear' || b.text !== undefined, { path: ['text'], message: 'a banner needs text' });

export const ackBody = z.object({
  comment: optionalText(z.string().trim().max(2000)),
});

/**
 * What people do from the pages, each appended as an event naming the signed-in user: set the news banner
 * (Experts and Admins), acknowledge an alarm (Labelers and up). Cross-site posts are refused by the auth plugin.
 */
export const actionRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();

  app.post('/news', { config: { access: 'expert' }, schema: { body: newsBody } }, async (req, reply) => {
    const b = req.body;
    const user = actor(req).name;
    const metadata = actorMetadata(req);
    if (b.action === 'clear') await app.hydra.log.append({ type: 'news.cleared', data: { user }, metadata });
    else await app.hydra.log.append({ type: 'news.posted', data: { text: b.text!, level: b.level, user }, metadata });
    if (!req.isHtmx) return reply.redirect('/status', 303);
    const current =
      b.action === 'clear'
        ? null
        : {
            id: 'banner',
            text: b.text!,
            level: b.level,
            user,
            postedAt: new Date(app.hydra.clock()).toISOString(),
            expiresAt: null,
          };
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .send(
        newsAdmin(
          current,
          reply.viewContext(),
          b.action === 'clear' ? 'The banner is down.' : 'Posted: the Run page shows it now.',
        ).value,
      );
  });

  app.post(
    '/alarms/:alarmId/ack',
    { config: { access: 'labeler' }, schema: { params: z.object({ alarmId: tokenSchema }), body: ackBody } },
    async (req, reply) => {
      const findAlarm = async (alarmId: string) => {
        const plotType = await alarmPlotType(app.hydra.db, alarmId);
        return plotType === null ? undefined : { plotType };
      };
      try {
        await acknowledgeAlarm(
          app.hydra.log,
          { alarmId: req.params.alarmId, user: actor(req).name, comment: req.body.comment },
          { findAlarm, producer: 'http' },
        );
      } catch (err) {
        if (err instanceof AlarmNotFoundError) throw new NotFoundError(`alarm ${req.params.alarmId}`);
        throw err;
      }
      // The live stream redraws the alarm as acknowledged once the read model has it.
      return req.isHtmx ? reply.status(204).send() : reply.redirect('/', 303);
    },
  );
};
