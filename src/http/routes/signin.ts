import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { verifyPassword } from '../../accounts/password.ts';
import { findUser } from '../../projections/users/queries.ts';
import { userNameSchema } from '../../events/user.ts';
import { safeNext } from '../plugins/auth.ts';
import type { ZodTypeProvider } from '../plugins/schemas.ts';
import { signInView } from '../views/signin.ts';

const signInBody = z.object({
  user: z.string().max(200),
  password: z.string().max(1000),
  next: z.string().max(2000).optional(),
});

/** Per user name and address: a wrong password five times a minute is refused, for longer each time it goes on. */
const attemptKey = (req: FastifyRequest) => {
  const user = (req.body as { user?: unknown } | undefined)?.user;
  return `${req.ip}|${typeof user === 'string' ? user.trim().toLowerCase().slice(0, 100) : ''}`;
};

/** Sign-in page, sign-in and sign-out. Sessions live in @fastify/session (store: `http_sessions`). */
export const signInRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/signin',
    { config: { access: 'public' }, schema: { querystring: z.object({ next: z.string().max(2000).optional() }) } },
    async (req, reply) => reply.view(signInView(reply.viewContext(), { next: safeNext(req.query.next) })),
  );

  app.post(
    '/signin',
    {
      config: {
        access: 'public',
        rateLimit: {
          max: app.hydra.config.HYDRA_SIGNIN_ATTEMPTS,
          timeWindow: 60_000,
          hook: 'preHandler',
          keyGenerator: attemptKey,
          exponentialBackoff: true,
        },
      },
      schema: { body: signInBody },
    },
    async (req, reply) => {
      const next = safeNext(req.body.next);
      const name = userNameSchema.safeParse(req.body.user);
      const user = name.success ? await findUser(app.hydra.db, name.data) : null;
      // The same answer, in the same time, for an unknown name, a disabled user and a wrong password.
      const ok = await verifyPassword(user?.passwordHash, req.body.password);
      if (!user || !ok || user.disabled) {
        req.log.info({ user: name.success ? name.data : '(not a user name)', ip: req.ip }, 'sign-in refused');
        reply.status(401);
        return reply.view(
          signInView(reply.viewContext(), {
            next,
            user: req.body.user.slice(0, 100),
            problem: 'Wrong user name or password.',
          }),
        );
      }
      // A fresh session id at sign-in: an id someone planted before (session fixation) is worth nothing.
      await req.session.regenerate();
      req.session.user = {
        name: user.name,
        credentialsVersion: user.credentialsVersion,
        signedInAt: new Date(app.hydra.clock()).toISOString(),
      };
      return reply.redirect(next, 303);
    },
  );

  app.post('/signout', { config: { access: 'public' } }, async (req, reply) => {
    if (req.session.user) await req.session.destroy();
    return reply.redirect('/', 303);
  });
};
