import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html.ts';
import { HttpError, NotFoundError } from '../errors.ts';

function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  const s = (err as FastifyError).statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : 500;
}

function send(req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string) {
  reply.status(status);
  if (!String(req.headers.accept ?? '').includes('text/html') && !req.isHtmx)
    return reply.send({ error: code, message });
  return reply.view({
    page: 'error',
    title: `${status}`,
    main: html`<section class="error-page"><h1>${status}</h1><p>${message}</p><p class="muted">${code}</p><p><a href="/">Back to the Run page</a></p></section>`,
  });
}

/** Errors become escaped pages (or JSON for programs), with their code; server faults are logged, not shown. */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler((err, req, reply) => {
      const status = statusOf(err);
      if (status >= 500) req.log.error({ err }, 'request failed');
      const code = err instanceof HttpError ? err.code : ((err as FastifyError).code ?? 'HYDRA_HTTP_ERROR');
      const message = status >= 500 ? 'Something went wrong on the server; it is logged.' : (err as Error).message;
      return send(req, reply, status, code, message);
    });
    app.setNotFoundHandler((req, reply) => {
      const e = new NotFoundError(`${req.method} ${req.url}`);
      return send(req, reply, 404, e.code, e.message);
    });
  },
  { name: 'errors', dependencies: ['views'], fastify: '5.x' },
);
