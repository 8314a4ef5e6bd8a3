import { createRequire } from 'node:module';
import fp from 'fastify-plugin';
import type { FastifyReply } from 'fastify';
import type { Html } from '../html.ts';
import { fragment, fullPage, type PageContext, type View, type ViewUser } from '../views/layout.ts';
import { describeGrants, ROLE_ORDER, allows } from '../../accounts/roles.ts';
import type { Principal } from './auth.ts';

const htmxVersion = (createRequire(import.meta.url)('htmx.org/package.json') as { version: string }).version;

declare module 'fastify' {
  interface FastifyRequest {
    /** An htmx request (HX-Request header) gets a fragment; any other request gets the whole page. */
    isHtmx: boolean;
  }
  interface FastifyReply {
    view(view: View): FastifyReply;
    /** The context of a page rendered for this request: time zone, clock, who is looking, their CSRF token. */
    viewContext(): PageContext;
    /** Sends an already rendered page or fragment (the Run page renders once for every viewer). */
    html(body: string | Buffer): FastifyReply;
  }
}

/** Renders views as whole pages or as fragments, from the same view functions. */
export const viewsPlugin = fp(
  async (app) => {
    // One context per reply: a second generateCsrf for a visitor without a CSRF cookie yet would make a
    // second secret, and the token rendered first (the sign-in form's, on a first visit) would not match.
    const contexts = new WeakMap<FastifyReply, PageContext>();
    app.decorateReply('viewContext', function (this: FastifyReply): PageContext {
      const known = contexts.get(this);
      if (known) return known;
      const user = this.request.user;
      const ctx: PageContext = {
        tz: app.hydra.config.HYDRA_TIMEZONE,
        now: app.hydra.clock(),
        htmxVersion,
        user: user ? viewUser(user) : null,
        csrf: this.generateCsrf({ userInfo: user?.name ?? ':anonymous' }),
      };
      contexts.set(this, ctx);
      return ctx;
    });
    app.decorateRequest('isHtmx', false);
    app.addHook('onRequest', async (req) => {
      req.isHtmx = req.headers['hx-request'] === 'true' && req.headers['hx-history-restore-request'] !== 'true';
    });
    app.decorateReply('html', function (this: FastifyReply, body: string | Buffer) {
      return this.header('content-type', 'text/html; charset=utf-8').header('vary', 'HX-Request').send(body);
    });
    app.decorateReply('view', function (this: FastifyReply, view: View) {
      return this.html(renderView(view, this.request.isHtmx, this.viewContext()).value);
    });
  },
  { name: 'views', dependencies: ['hydra', 'auth'], fastify: '5.x' },
);

export { htmxVersion };

/** The whole page, or for an htmx request the fragment, of a view. */
export function renderView(view: View, isHtmx: boolean, ctx: PageContext): Html {
  return isHtmx ? fragment(view, ctx) : fullPage(view, ctx);
}

export function viewUser(p: Principal): ViewUser {
  return {
    name: p.name,
    displayName: p.displayName,
    can: ROLE_ORDER.filter((r) => allows(p.roles, r)),
    rolesText: describeGrants(p.roles),
  };
}
