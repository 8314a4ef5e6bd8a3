import os from 'node:os';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { z } from 'zod';
import { Accounts, type ChangeResult } from '../accounts/commands.ts';
import { hashPassword, passwordProblem } from '../accounts/password.ts';
import { describeGrants, ROLE_DESCRIPTIONS, ROLE_ORDER, type RoleGrant } from '../accounts/roles.ts';
import { loadConfig } from '../config.ts';
import { openHydra, type Hydra } from '../context.ts';
import { roleSchema, userNameSchema } from '../events/user.ts';
import { readSiteSettings } from '../projections/users/queries.ts';
import { CliOptionError, parseOptions } from './options.ts';

/** The command line acts as the person at it: `cli:<login>` in every event it appends. */
const cliUser = () => `cli:${os.userInfo().username}`.slice(0, 100);

const detectorList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(1).max(64)).min(1, 'name at least one detector'))
  .optional();

const addOptions = z.object({
  role: z.array(roleSchema).default([]),
  detectors: detectorList,
  displayName: z.string().trim().min(1).max(100).optional(),
  email: z.email().max(200).optional(),
  password: z.boolean().default(true),
  passwordStdin: z.boolean().default(false),
});

async function withAccounts<T>(fn: (a: Accounts, h: Hydra) => Promise<T>): Promise<T> {
  const hydra = await openHydra(loadConfig(), { producer: 'cli', services: 'find', migrate: true });
  try {
    return await fn(
      new Accounts({
        log: hydra.log,
        db: hydra.database.db,
        producer: 'cli',
        readModelWaitMs: 2_000,
      }),
      hydra,
    );
  } finally {
    await hydra.close();
  }
}

function report(what: string, r: ChangeResult): void {
  if (!r.changed) {
    console.log(`${what}: nothing to change`);
    return;
  }
  console.log(
    r.applied
      ? `${what} (event ${r.seq})`
      : `${what} (event ${r.seq}); the pages see it once the projections role has applied it (is hydra up running?)`,
  );
}

/** A new password: the first line of standard input with --password-stdin, else typed twice at the terminal. */
async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    throw new CliOptionError('no password on standard input');
  }
  if (!process.stdin.isTTY) throw new CliOptionError('no terminal to type the password at: use --password-stdin');
  const first = await promptHidden('New password: ');
  const problem = passwordProblem(first);
  if (problem) throw new CliOptionError(problem);
  if ((await promptHidden('Again: ')) !== first) throw new CliOptionError('the two passwords differ');
  return first;
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    // Echo nothing of what is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.includes(question)) process.stdout.write(question);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
}

const grantOf = (role: z.infer<typeof roleSchema>, detectors: string[] | undefined): RoleGrant => {
  if (detectors && role !== 'expert') throw new CliOptionError('--detectors goes with the expert role only');
  return detectors ? { role, detectors } : { role };
};

export function registerUserCommands(program: Command): void {
  const users = program
    .command('users')
    .description(`people and their roles (${ROLE_ORDER.map((r) => `${r}: ${ROLE_DESCRIPTIONS[r]}`).join('; ')})`);

  users
    .command('list')
    .description('every user, their roles and whether they may sign in')
    .option('--json', 'one JSON object per line')
    .action(async (raw: { json?: boolean }) => {
      await withAccounts(async (a) => {
        const rows = await a.allUsers();
        for (const u of rows) {
          const line = { user: u.name, displayName: u.displayName, roles: u.roles, disabled: u.disabled };
          console.log(
            raw.json
              ? JSON.stringify(line)
              : `${u.name.padEnd(24)} ${(u.disabled ? 'disabled' : 'active').padEnd(9)} ${describeGrants(u.roles)}${u.displayName ? `  (${u.displayName})` : ''}`,
          );
        }
        if (rows.length === 0 && !raw.json) console.log('no users yet: hydra users add NAME --role admin');
      });
    });

  users
    .command('add <name>')
    .description('add a user; asks for their password (or reads it with --password-stdin)')
    .option('--role <role>', 'a role to grant (repeatable): viewer, labeler, expert, admin', collect, [])
    .option('--detectors <list>', 'for --role expert: the detectors (comma-separated) they are an Expert of')
    .option('--display-name <text>', 'the name the pages show')
    .option('--email <address>', 'where their daily digest goes')
    .option('--no-password', 'no password (they sign in through the single sign-on proxy)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (name: string, raw: unknown) => {
      const o = parseOptions(addOptions, raw);
      const user = parseOptions(userNameSchema, name);
      const grants = o.role.map((r) => grantOf(r, r === 'expert' ? o.detectors : undefined));
      if (o.detectors && !o.role.includes('expert')) throw new CliOptionError('--detectors goes with --role expert');
      const passwordHash = o.password ? await hashPassword(await readNewPassword(o.passwordStdin)) : undefined;
      await withAccounts(async (a) => {
        const by = cliUser();
        report(
          `added ${user}`,
          await a.changeUser(
            {
              kind: 'add',
              user,
              ...(o.displayName ? { displayName: o.displayName } : {}),
              ...(o.email ? { email: o.email } : {}),
              ...(passwordHash ? { passwordHash } : {}),
            },
            by,
          ),
        );
        for (const g of grants)
          report(`granted ${describeGrants([g])} to ${user}`, await a.changeUser({ kind: 'grant', user, ...g }, by));
      });
    });

  users
    .command('grant <name> <role>')
    .description('give a user a role (expert: --detectors for some detectors only)')
    .option('--detectors <list>', 'the detectors (comma-separated) an Expert covers; default: all')
    .action(async (name: string, role: string, raw: unknown) => {
      const o = parseOptions(z.object({ detectors: detectorList }), raw);
      const user = parseOptions(userNameSchema, name);
      const g = grantOf(parseOptions(roleSchema, role), o.detectors);
      await withAccounts(async (a) =>
        report(
          `granted ${describeGrants([g])} to ${user}`,
          await a.changeUser({ kind: 'grant', user, ...g }, cliUser()),
        ),
      );
    });

  users
    .command('revoke <name> <role>')
    .description('take a role from a user')
    .action(async (name: string, role: string) => {
      const user = parseOptions(userNameSchema, name);
      const r = parseOptions(roleSchema, role);
      await withAccounts(async (a) =>
        report(`revoked ${r} from ${user}`, await a.changeUser({ kind: 'revoke', user, role: r }, cliUser())),
      );
    });

  for (const [cmd, kind, text] of [
    ['disable', 'disable', 'no more sign-ins; their sessions end now'],
    ['enable', 'enable', 'may sign in again'],
  ] as const)
    users
      .command(`${cmd} <name>`)
      .description(`the user ${text}`)
      .action(async (name: string) => {
        const user = parseOptions(userNameSchema, name);
        await withAccounts(async (a) => report(`${cmd}d ${user}`, await a.changeUser({ kind, user }, cliUser())));
      });

  users
    .command('passwd <name>')
    .description("set a user's password (asks for it, or reads it with --password-stdin); their sessions end")
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (name: string, raw: { passwordStdin?: boolean }) => {
      const user = parseOptions(userNameSchema, name);
      const passwordHash = await hashPassword(await readNewPassword(Boolean(raw.passwordStdin)));
      await withAccounts(async (a) =>
        report(
          `set the password of ${user}`,
          await a.changeUser({ kind: 'set-password', user, passwordHash }, cliUser()),
        ),
      );
    });

  const tokens = program.command('tokens').description('API tokens of machine clients (upload API, Prometheus)');
  tokens
    .command('list')
    .description('every token: id, client, role, who made it, revoked or not (never the token itself)')
    .action(async () => {
      await withAccounts(async (a) => {
        const rows = await a.allTokens();
        for (const t of rows)
          console.log(
            `${t.tokenId.padEnd(14)} ${t.name.padEnd(24)} ${describeGrants([{ role: t.role, ...(t.detectors ? { detectors: t.detectors } : {}) }]).padEnd(18)} by ${t.createdBy} ${t.revokedAt ? `revoked ${t.revokedAt}` : 'live'}`,
          );
        if (rows.length === 0) console.log('no API tokens: hydra tokens create NAME --role labeler');
      });
    });
  tokens
    .command('create <client>')
    .description('make a token for a client; it is printed once and only its hash is kept')
    .requiredOption('--role <role>', 'what the client may do: viewer (e.g. Prometheus), labeler (uploads), …')
    .option('--detectors <list>', 'for --role expert: the detectors it covers')
    .action(async (client: string, raw: unknown) => {
      const o = parseOptions(z.object({ role: roleSchema, detectors: detectorList }), raw);
      const name = parseOptions(z.string().trim().min(1).max(100), client);
      const g = grantOf(o.role, o.detectors);
      await withAccounts(async (a) => {
        const made = await a.createToken({ name, ...g }, cliUser());
        report(`token ${made.tokenId} for ${name} (${describeGrants([g])})`, made);
        console.log(
          `\n  ${made.token}\n\nKeep it now: it is not shown again. Send it as "Authorization: Bearer <token>".`,
        );
      });
    });
  tokens
    .command('revoke <tokenId>')
    .description('stop a token working, at once')
    .action(async (tokenId: string) => {
      await withAccounts(async (a) => report(`revoked token ${tokenId}`, await a.revokeToken(tokenId, cliUser())));
    });

  const settings = program.command('settings').description('site settings an Admin changes (also on /admin)');
  settings
    .command('show')
    .description('the current site settings')
    .action(async () => {
      await withAccounts(async (_a, h) => {
        const s = await readSiteSettings(h.database.db);
        const v = s?.anonymousViewing;
        console.log(
          `anonymous viewing: ${v === null || v === undefined ? 'default (on when the pages listen on 127.0.0.1 only)' : v ? 'on' : 'off'}`,
        );
      });
    });
  settings
    .command('anonymous-viewing <onOff>')
    .description('whether the Run, Log, Timeline and Status pages may be watched without signing in')
    .action(async (onOff: string) => {
      const on = parseOptions(z.enum(['on', 'off']), onOff) === 'on';
      await withAccounts(async (a) =>
        report(`anonymous viewing ${on ? 'on' : 'off'}`, await a.setAnonymousViewing(on, cliUser())),
      );
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
