import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type {
  FastifyReply,
  FastifyRequest,
  HTTPMethods,
  onRequestHookHandler,
  preValidationHookHandler,
} from 'fastify';
import cookie from '@fastify/cookie';
import session from '@fastify/session';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import { Accounts } from '../../accounts/commands.ts';
import { bearerToken, hashApiToken } from '../../accounts/api-tokens.ts';
import { allows, type Role, type RoleGrant } from '../../accounts/roles.ts';
import { DatabaseSessionStore } from '../../accounts/session-store.ts';
import { loadSessionSecret } from '../../accounts/session-secret.ts';
import type { EventMetadata } from '../../events/envelope.ts';
import { userNameSchema } from '../../events/user.ts';
import { findLiveToken, findUser, readSiteSettings } from '../../projections/users/queries.ts';
import type { UserRow } from '../../projections/users/table.ts';
import { ForbiddenError, HttpError } from '../errors.ts';
import { AddressSet, hostAuthority, isLoopback, originAuthority } from '../hosts.ts';

/**
 * Who may reach a route. Every route declares it in `config.access`; a route that changes anything (any method
 * but GET/HEAD/OPTIONS) must, or the app refuses to start.
 * - `public`: anyone (assets, probes, the sign-in page);
 * - `watch`: the Run, Log, Timeline and Status pages: anyone while anonymous viewing is on, else a Viewer;
 * - `metrics`: a Viewer, or a scraper from HYDRA_METRICS_FROM;
 * - a role: someone holding it (or a higher one).
 */
export type Access = 'public' | 'watch' | 'metrics' | Role;

/** Someone acting: a signed-in person, a person named by the single sign-on proxy, or a machine with an API token. */
export interface Principal {
  /** What events record as `user`: a user name, or `token:<tokenId>` for a machine client. */
  readonly name: string;
  readonly displayName: string;
  readonly roles: readonly RoleGrant[];
  readonly via: 'session' | 'proxy' | 'token';
}

export interface RouteInfo {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** Who is acting, or null (anonymous). Set before any route's handler runs. */
    user: Principal | null;
  }
  interface FastifyInstance {
    /** Account changes (users, tokens, settings), recording the signed-in user. */
    accounts: Accounts;
    /** Every route with its access, as the router has them (for tests and the admin page). */
    routeTable: RouteInfo[];
    /** Whether the Run, Log, Timeline and Status pages may be watched without signing in, now. */
    anonymousViewing(): Promise<boolean>;
  }
}

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  constructor(message = 'sign in first') {
    super(401, 'HYDRA_HTTP_UNAUTHORIZED', message);
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isMutating = (method: string) => !SAFE_METHODS.has(method.toUpperCase());

/** The signed-in principal of a route that declared a role (its guard already ran), for handlers. */
export function actor(req: FastifyRequest): Principal {
  if (!req.user) throw new UnauthorizedError();
  return req.user;
}

/** The metadata of an event a request appends: the acting user is always named. */
export function actorMetadata(req: FastifyRequest): EventMetadata {
  return { correlationId: randomUUID(), producer: 'http', user: actor(req).name };
}

/** Refuses unless the actor may act as `role` for `detector` (an Expert's grant may be limited to detectors). */
export function requireRoleFor(req: FastifyRequest, role: Role, detector?: string): Principal {
  const p = actor(req);
  if (!allows(p.roles, role, detector))
    throw new ForbiddenError(
      detector === undefined
        ? `this needs the ${role} role; ${p.name} does not have it`
        : `this needs the ${role} role for ${detector}; ${p.name} does not have it`,
    );
  return p;
}

const userPrincipal = (u: UserRow, via: 'session' | 'proxy'): Principal => ({
  name: u.name,
  displayName: u.displayName ?? u.name,
  roles: u.roles,
  via,
});

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const derive = (master: string, purpose: string) => createHmac('sha256', master).update(purpose).digest('base64url');

/** A local path to go to after signing in (never another site: `//evil`, `/\evil`, `https://…` are refused). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/';
}

/**
 * Sessions, CSRF protection, API tokens, the single sign-on header and the access rule of every route.
 * Built on Fastify's maintained plugins: @fastify/cookie, @fastify/session (its store is the `http_sessions`
 * table), @fastify/csrf-protection, @fastify/rate-limit and @fastify/formbody.
 */
export const authPlugin = fp(
  async (app) => {
    const h = app.hydra;
    const c = h.config;
    const master = c.HYDRA_SESSION_SECRET ?? (await loadSessionSecret(c.HYDRA_VAR_DIR));
    const secure = c.HYDRA_PUBLIC_URL?.startsWith('https:') ? true : 'auto';
    const maxAge = c.HYDRA_SESSION_HOURS * 3600_000;
    const trustedProxies = AddressSet.parse(c.HYDRA_TRUSTED_PROXIES);
    const scrapers = AddressSet.parse(c.HYDRA_METRICS_FROM);
    const proxyHeader = c.HYDRA_PROXY_USER_HEADER?.toLowerCase();
    // Anonymous viewing is on by default only where nobody else can reach the pages.
    const anonymousDefault = isLoopback(c.HYDRA_HTTP_HOST) && trustedProxies.empty;

    app.decorate('accounts', new Accounts({ log: h.log, db: h.db, producer: 'http' }));
    // While the database does not answer, the last setting read holds: the watch pages can then still
    // say the database is down rather than fail.
    let lastAnonymousViewing: boolean | null = null;
    app.decorate('anonymousViewing', async () => {
      try {
        lastAnonymousViewing = (await readSiteSettings(h.db))?.anonymousViewing ?? anonymousDefault;
      } catch (err) {
        if (lastAnonymousViewing === null) throw err;
      }
      return lastAnonymousViewing;
    });

    await app.register(formbody, { bodyLimit: 64 * 1024 });
    await app.register(cookie, { secret: derive(master, 'cookie') });
    await app.register(session, {
      secret: derive(master, 'session'),
      cookieName: 'hydra_session',
      cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge },
      store: new DatabaseSessionStore(h.db, maxAge),
      saveUninitialized: false,
      rolling: false,
    });
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'hydra_csrf',
      cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', secure, path: '/' },
      // Tokens are bound to who is acting, so a token taken from one user's page is worthless for another.
      getUserInfo: (req) => req.user?.name ?? ':anonymous',
      csrfOpts: { hmacKey: derive(master, 'csrf') },
      getToken: (req) => {
        const body = req.body as { _csrf?: unknown } | undefined;
        const header = req.headers['x-csrf-token'];
        return typeof body?._csrf === 'string' ? body._csrf : typeof header === 'string' ? header : '';
      },
    });
    await app.register(rateLimit, { global: false });

    // --- every route's access, checked as it is added ---
    const table: RouteInfo[] = [];
    app.decorate('routeTable', table);
    const forgeryCheck: preValidationHookHandler = (req, reply, done) => {
      // Browsers never attach an Authorization header cross-site on their own: token clients need no CSRF token.
      if (req.user?.via === 'token') return done();
      const from = req.headers.origin ?? refererOrigin(req.headers.referer);
      const here = hostAuthority(req.headers.host, req.protocol);
      if (!from || from === 'null' || !here || originAuthority(from) !== here)
        return done(new ForbiddenError('cross-site or origin-less posts are refused'));
      app.csrfProtection.call(app, req, reply, (err?: Error) => {
        const body = req.body as Record<string, unknown> | undefined;
        if (!err && body && typeof body === 'object') delete body._csrf;
        done(err);
      });
    };
    app.addHook('onRoute', (route) => {
      const methods = ([] as HTTPMethods[]).concat(route.method as HTTPMethods | HTTPMethods[]);
      const mutating = methods.some(isMutating);
      const declared = route.config?.access;
      if (mutating && !declared)
        throw new Error(`${methods.join(',')} ${route.url} changes things and declares no config.access`);
      route.config = { ...route.config, access: declared ?? 'viewer' };
      // Before validation: the token is taken out of the body, so no route's schema ever sees `_csrf`.
      if (mutating)
        route.preValidation = [forgeryCheck, ...([] as preValidationHookHandler[]).concat(route.preValidation ?? [])];
      // Read when asked: a plugin's own onRoute hook (the static files') may still declare the access.
      const config = route.config;
      for (const method of methods)
        table.push({
          method,
          url: route.url,
          get access() {
            return config.access ?? 'viewer';
          },
        });
    });

    // --- who is acting ---
    app.decorateRequest('user', null);
    const resolve = async (req: FastifyRequest): Promise<Principal | null> => {
      const bearer = req.headers.authorization;
      if (bearer !== undefined) {
        const token = bearerToken(bearer);
        if (token && c.HYDRA_API_TOKEN && sameSecret(token, c.HYDRA_API_TOKEN))
          return {
            name: 'token:bootstrap',
            displayName: 'HYDRA_API_TOKEN',
            roles: [{ role: 'labeler' }],
            via: 'token',
          };
        const row = token ? await findLiveToken(h.db, hashApiToken(token)) : null;
        if (!row) throw new UnauthorizedError('the API token is not valid (unknown or revoked)');
        return {
          name: `token:${row.tokenId}`,
          displayName: row.name,
          roles: [{ role: row.role, ...(row.detectors ? { detectors: row.detectors } : {}) }],
          via: 'token',
        };
      }
      if (proxyHeader && trustedProxies.has(req.socket.remoteAddress)) {
        const named = req.headers[proxyHeader];
        if (typeof named === 'string' && named !== '') {
          const parsed = userNameSchema.safeParse(named);
          const u = parsed.success ? await findUser(h.db, parsed.data) : null;
          if (!u || u.disabled) throw new ForbiddenError(`${named} is not a Hydra user here: ask an Admin`);
          return userPrincipal(u, 'proxy');
        }
      }
      const s = req.session.user;
      if (!s) return null;
      const u = await findUser(h.db, s.name);
      // A disabled user, or one whose password changed since, is signed out everywhere.
      if (!u || u.disabled || u.credentialsVersion !== s.credentialsVersion) {
        await req.session.destroy();
        return null;
      }
      return userPrincipal(u, 'session');
    };

    const guard: onRequestHookHandler = async (req, reply) => {
      req.user = await resolve(req);
      const access = req.routeOptions.config.access ?? 'viewer';
      if (access === 'public') return;
      if (!req.user) {
        if (access === 'watch' && (await app.anonymousViewing())) return;
        if (access === 'metrics' && scrapers.has(req.socket.remoteAddress)) return;
        return refuseAnonymous(req, reply);
      }
      const role: Role = access === 'watch' || access === 'metrics' ? 'viewer' : access;
      if (!allows(req.user.roles, role))
        throw new ForbiddenError(`this needs the ${role} role; ${req.user.name} does not have it`);
    };
    app.addHook('onRequest', guard);
  },
  { name: 'auth', dependencies: ['hydra'], fastify: '5.x' },
);

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** Browsers opening a page are sent to sign in; everything else gets 401. */
function refuseAnonymous(req: FastifyRequest, reply: FastifyReply) {
  const wantsPage =
    req.method === 'GET' &&
    req.headers['hx-request'] !== 'true' &&
    String(req.headers.accept ?? '').includes('text/html');
  if (wantsPage) return reply.redirect(`/signin?next=${encodeURIComponent(req.url)}`, 303);
  if (req.headers.authorization === undefined) reply.header('www-authenticate', 'Bearer realm="hydra"');
  throw new UnauthorizedError();
}
