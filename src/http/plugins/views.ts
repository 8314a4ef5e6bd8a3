import { createRequire } from 'node:module';
import fp from 'fastify-plugin';
import type { FastifyReply } from 'fastify';
import type { Html } from '../html.ts';
import { fragment, fullPage, type View, type ViewContext } from '../views/layout.ts';

const htmxVersion = (createRequire(import.meta.url)('htmx.org/package.json') as { version: string }).version;

declare module 'fastify' {
  interface FastifyRequest {
    /** An htmx request (HX-Request header) gets a fragment; any other request gets the whole page. */
    isHtmx: boolean;
  }
  interface FastifyReply {
    view(view: View): FastifyReply;
    /** Sends an already rendered page or fragment (the Run page renders once for every viewer). */
    html(body: string | Buffer): FastifyReply;
  }
  interface FastifyInstance {
    viewContext(): ViewContext;
  }
}

/** Renders views as whole pages or as fragments, from the same view functions; parses HTML form posts. */
export const viewsPlugin = fp(
  async (app) => {
    app.decorate(
      'viewContext',
      (): ViewContext => ({ tz: app.hydra.config.HYDRA_TIMEZONE, now: app.hydra.clock(), htmxVersion }),
    );
    app.decorateRequest('isHtmx', false);
    app.addHook('onRequest', async (req) => {
      req.isHtmx = req.headers['hx-request'] === 'true' && req.headers['hx-history-restore-request'] !== 'true';
    });
    app.decorateReply('html', function (this: FastifyReply, body: string | Buffer) {
      return this.header('content-type', 'text/html; charset=utf-8').header('vary', 'HX-Request').send(body);
    });
    app.decorateReply('view', function (this: FastifyReply, view: View) {
      return this.html(renderView(view, this.request.isHtmx, app.viewContext()).value);
    });
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );
  },
  { name: 'views', dependencies: ['hydra'], fastify: '5.x' },
);

export { htmxVersion };

/** The whole page, or for an htmx request the fragment, of a view. */
export function renderView(view: View, isHtmx: boolean, ctx: ViewContext): Html {
  return isHtmx ? fragment(view) : fullPage(view, ctx);
}
