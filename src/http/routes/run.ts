import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { noQuery, type ZodTypeProvider } from '../plugins/schemas.ts';
import type { RunSnapshot } from '../live/hub.ts';
import { runView } from '../views/run.ts';
import type { View } from '../views/layout.ts';
import { trusted } from '../html.ts';

/** Parts the hub rendered (escaped when rendered) go into the page as they are. */
const htmlOf = (s: string) => trusted(s);

/** The Run page, and the SSE stream that keeps it current. */
export const runRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();

  // Every viewer of one snapshot gets the same Run view, rendered once; only the page around it (who is
  // signed in, their CSRF token) is theirs.
  const rendered = new WeakMap<RunSnapshot, View>();
  app.get(
    '/',
    {
      config: { access: 'watch' },
      schema: { querystring: noQuery, response: { 200: z.string().describe('the Run page (HTML)') } },
    },
    async (_req, reply) => {
      const snap = await app.live.current();
      let view = rendered.get(snap);
      if (!view) {
        view = runView({
          board: htmlOf(snap.parts.board),
          health: htmlOf(snap.parts.health),
          alarms: htmlOf(snap.parts.alarms),
          news: htmlOf(snap.parts.news),
        });
        rendered.set(snap, view);
      }
      return reply.view(view);
    },
  );

  app.get('/run/stream', { config: { access: 'watch' }, schema: { querystring: noQuery } }, async (req, reply) => {
    // Fails here, before the stream starts, when the database is down: a plain error answer, and htmx retries.
    await app.live.current();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      // The security headers set so far (a hijacked reply would drop them).
      ...(reply.getHeaders() as Record<string, string | number | string[]>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(ping);
      close();
      res.end();
    };
    const ping = setInterval(() => res.write(': ping\n\n'), 20_000);
    const close = await app.live.open({ send: (chunk) => res.write(chunk), end });
    req.raw.on('close', end);
  });
};
