import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { optionalText } from '../../text-input.ts';
import { AccountError } from '../../accounts/errors.ts';
import { hashPassword, WeakPasswordError } from '../../accounts/password.ts';
import type { ChangeResult } from '../../accounts/commands.ts';
import { describeGrants, type RoleGrant } from '../../accounts/roles.ts';
import { isConcurrencyConflict } from '../../events/errors.ts';
import { roleSchema, userNameSchema } from '../../events/user.ts';
import { tokenSchema } from '../../events/define.ts';
import { listTokens, listUsers, readSiteSettings } from '../../projections/users/queries.ts';
import { actor } from '../plugins/auth.ts';
import { noQuery, type ZodTypeProvider } from '../plugins/schemas.ts';
import { adminView, type AdminNotice } from '../views/admin.ts';

const detectors = optionalText(
  z
    .string()
    .max(2000)
    .transform((s) =>
      s
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().min(1).max(64)).min(1).max(100)),
);
const grantOf = (role: z.infer<typeof roleSchema>, ds: string[] | undefined): RoleGrant => {
  if (ds && role !== 'expert')
    throw new AccountError('HYDRA_BAD_GRANT', 'only the Expert role is given for detectors', 400);
  return ds ? { role, detectors: ds } : { role };
};

const byName = z.object({ name: userNameSchema });
const addBody = z.object({
  user: userNameSchema,
  displayName: optionalText(z.string().trim().min(1).max(100)),
  role: optionalText(roleSchema),
  detectors,
  password: optionalText(z.string().max(200)),
});
const grantBody = z.object({ role: roleSchema, detectors });
const roleBody = z.object({ role: roleSchema });
const passwordBody = z.object({ password: z.string().max(200) });
const tokenBody = z.object({ name: z.string().trim().min(1).max(100), role: roleSchema, detectors });
const settingsBody = z.object({ anonymousViewing: optionalText(z.literal('on')) });

/** The Admin page: users and roles, API tokens, site settings. Every change is an event naming the Admin. */
export const adminRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const db = app.hydra.db;

  const page = async (reply: FastifyReply, notice: AdminNotice = {}, status = 200) => {
    const [users, tokens, settings] = await Promise.all([listUsers(db), listTokens(db), readSiteSettings(db)]);
    const set = settings?.anonymousViewing ?? null;
    return reply
      .status(status)
      .view(
        adminView(
          { users, tokens, anonymousViewing: { set, effective: await app.anonymousViewing() } },
          reply.viewContext(),
          notice,
        ),
      );
  };
  const done = (what: string, r: ChangeResult) =>
    r.changed
      ? r.applied
        ? `${what}.`
        : `${what}; the pages see it once the projections role has applied it.`
      : `${what}: it already was so.`;
  /** Runs a change; a refused one shows on the page with what is wrong, and changes nothing. */
  const change = async (reply: FastifyReply, fn: () => Promise<AdminNotice>) => {
    try {
      return await page(reply, await fn());
    } catch (err) {
      if (err instanceof AccountError) return page(reply, { problem: err.message }, err.statusCode);
      if (err instanceof WeakPasswordError) return page(reply, { problem: err.message }, 400);
      if (isConcurrencyConflict(err))
        return page(reply, { problem: 'someone changed this at the same moment: look and try again' }, 409);
      throw err;
    }
  };
  const admin = { config: { access: 'admin' as const } };

  app.get('/admin', { ...admin, schema: { querystring: noQuery } }, async (_req, reply) => page(reply));

  app.post('/admin/users', { ...admin, schema: { body: addBody } }, async (req, reply) =>
    change(reply, async () => {
      const b = req.body;
      const by = actor(req).name;
      const grant = b.role ? grantOf(b.role, b.detectors) : null;
      const passwordHash = b.password ? await hashPassword(b.password) : undefined;
      let r = await app.accounts.changeUser(
        {
          kind: 'add',
          user: b.user,
          ...(b.displayName ? { displayName: b.displayName } : {}),
          ...(passwordHash ? { passwordHash } : {}),
        },
        by,
      );
      if (grant) r = await app.accounts.changeUser({ kind: 'grant', user: b.user, ...grant }, by);
      return { ok: done(`Added ${b.user}${grant ? ` as ${describeGrants([grant])}` : ''}`, r) };
    }),
  );

  app.post('/admin/users/:name/grant', { ...admin, schema: { params: byName, body: grantBody } }, async (req, reply) =>
    change(reply, async () => {
      const g = grantOf(req.body.role, req.body.detectors);
      const r = await app.accounts.changeUser({ kind: 'grant', user: req.params.name, ...g }, actor(req).name);
      return { ok: done(`Granted ${describeGrants([g])} to ${req.params.name}`, r) };
    }),
  );

  app.post('/admin/users/:name/revoke', { ...admin, schema: { params: byName, body: roleBody } }, async (req, reply) =>
    change(reply, async () => {
      const r = await app.accounts.changeUser(
        { kind: 'revoke', user: req.params.name, role: req.body.role },
        actor(req).name,
      );
      return { ok: done(`Took ${req.body.role} from ${req.params.name}`, r) };
    }),
  );

  for (const kind of ['disable', 'enable'] as const)
    app.post(`/admin/users/:name/${kind}`, { ...admin, schema: { params: byName } }, async (req, reply) =>
      change(reply, async () => {
        const r = await app.accounts.changeUser({ kind, user: req.params.name }, actor(req).name);
        return { ok: done(`${kind === 'disable' ? 'Disabled' : 'Enabled'} ${req.params.name}`, r) };
      }),
    );

  app.post(
    '/admin/users/:name/password',
    { ...admin, schema: { params: byName, body: passwordBody } },
    async (req, reply) =>
      change(reply, async () => {
        const passwordHash = await hashPassword(req.body.password);
        const r = await app.accounts.changeUser(
          { kind: 'set-password', user: req.params.name, passwordHash },
          actor(req).name,
        );
        return { ok: done(`Set the password of ${req.params.name} (their sessions have ended)`, r) };
      }),
  );

  app.post('/admin/tokens', { ...admin, schema: { body: tokenBody } }, async (req, reply) =>
    change(reply, async () => {
      const g = grantOf(req.body.role, req.body.detectors);
      const made = await app.accounts.createToken({ name: req.body.name, ...g }, actor(req).name);
      // No caching anywhere of the one answer that holds the token.
      reply.header('cache-control', 'no-store');
      return { newToken: { tokenId: made.tokenId, name: req.body.name, token: made.token } };
    }),
  );

  app.post(
    '/admin/tokens/:tokenId/revoke',
    { ...admin, schema: { params: z.object({ tokenId: tokenSchema }) } },
    async (req, reply) =>
      change(reply, async () => ({
        ok: done(
          `Revoked token ${req.params.tokenId}`,
          await app.accounts.revokeToken(req.params.tokenId, actor(req).name),
        ),
      })),
  );

  app.post('/admin/settings', { ...admin, schema: { body: settingsBody } }, async (req, reply) =>
    change(reply, async () => {
      const on = req.body.anonymousViewing === 'on';
      const r = await app.accounts.setAnonymousViewing(on, actor(req).name);
      return { ok: done(`Anonymous viewing is ${on ? 'on' : 'off'}`, r) };
    }),
  );
};
