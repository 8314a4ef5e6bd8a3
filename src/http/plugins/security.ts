import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import { HttpError } from '../errors.ts';
import { allowedHostnames, hostnameOf } from '../hosts.ts';

export class MisdirectedRequestError extends HttpError {
  override readonly name = 'MisdirectedRequestError';
  constructor(host: string) {
    super(421, 'HYDRA_HTTP_UNKNOWN_HOST', `this server does not answer to the host name ${host}`);
  }
}

/** Probes (load balancers, Kubernetes) reach a process by its address; they read nothing and change nothing. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * Security headers on every answer (@fastify/helmet): a Content-Security-Policy allowing only our own scripts
 * and stylesheets (inline `style` attributes stay: they carry label colours as CSS variables, escaped), no
 * framing, no MIME sniffing, same-origin referrers. And only configured host names are served (DNS rebinding).
 */
export const securityPlugin = fp(
  async (app) => {
    const c = app.hydra.config;
    const https = c.HYDRA_PUBLIC_URL?.startsWith('https:') ?? false;
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          styleSrcElem: ["'self'"],
          styleSrcAttr: ["'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(https ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'same-origin' },
      strictTransportSecurity: https ? { maxAge: 180 * 86400 } : false,
    });
    const allowed = allowedHostnames(c);
    app.addHook('onRequest', async (req) => {
      if (PROBES.has(req.url.split('?')[0]!)) return;
      const host = req.headers.host;
      if (!host) throw new HttpError(400, 'HYDRA_HTTP_NO_HOST', 'the request has no Host header');
      const name = hostnameOf(host);
      if (!name || !allowed.has(name)) throw new MisdirectedRequestError(host);
    });
  },
  { name: 'security', dependencies: ['hydra'], fastify: '5.x' },
);
