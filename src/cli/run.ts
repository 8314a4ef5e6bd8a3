import type { Command } from 'commander';
import { z } from 'zod';
import { decimalText, wholeNumberText } from '../text-input.ts';
import { startDemo } from '../../fixtures/demo/demo.ts';
import { ensureDemoAdmin } from '../../fixtures/demo/admin.ts';
import { loadConfig } from '../config.ts';
import { openHydra, type Hydra } from '../context.ts';
import { roles, type Role, type RunningRole } from '../workers/index.ts';
import { startHeartbeat } from '../processes/heartbeat.ts';

const say = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

/** Opens Hydra (starting services and migrating as needed), runs the roles until SIGINT/SIGTERM, then drains. */
export async function runRoles(
  selected: readonly Role[],
  opts: {
    /** `hydra up` may start NATS and MariaDB; a single worker role never does. */
    startServices: boolean;
    before?: (h: Hydra) => Promise<void>;
    after?: (h: Hydra) => Promise<{ stop(): Promise<void> }>;
  },
): Promise<void> {
  const hydra = await openHydra(loadConfig(), {
    producer: selected.map((r) => r.name).join('+'),
    services: opts.startServices ? 'start' : 'find',
    migrate: true,
    say,
  });
  await opts.before?.(hydra);
  const running = new Map<string, RunningRole>();
  try {
    for (const role of selected) {
      running.set(role.name, await role.start(hydra, say));
      say(`${role.name}: started`);
    }
  } catch (err) {
    // A role that cannot start stops the process with a non-zero exit, so a supervisor restarts it.
    for (const r of [...running.values()].reverse()) await r.stop().catch(() => undefined);
    await hydra.close().catch(() => undefined);
    throw err;
  }
  const heartbeat = startHeartbeat(hydra.status, running);
  const extra = await opts.after?.(hydra);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      say(`${signal}: draining`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await extra?.stop();
  await heartbeat.stop();
  for (const [name, r] of [...running].reverse()) {
    await r.stop();
    say(`${name}: stopped`);
  }
  await hydra.close();
  say('stopped cleanly');
}

export function registerRunCommands(program: Command): void {
  program
    .command('up')
    .description('run every Hydra role in one process (starts NATS/MariaDB when needed, migrates the database)')
    .option('--demo', 'also set up demo plot types and models, and simulate a run with a failure at chunk 6', false)
    .option('--interval <seconds>', 'demo: seconds between chunks', '10')
    .option('--run <number>', 'demo: run number', '101072')
    .action(async (raw: unknown) => {
      const o = z
        .strictObject({
          demo: z.boolean(),
          interval: decimalText({ min: 0, max: 86_400 }),
          run: wholeNumberText({ min: 1 }),
        })
        .parse(raw);
      await runRoles(
        roles,
        o.demo
          ? {
              startServices: true,
              before: (h) => ensureDemoAdmin(h, say),
              after: (h) => startDemo(h, say, { interval: o.interval, run: o.run, perClass: 100 }),
            }
          : { startServices: true },
      );
    });

  program
    .command('worker')
    .description(`run one role: ${roles.map((r) => r.name).join(', ')}`)
    .argument('<role>', 'role name')
    .action(async (name: string) => {
      const role = roles.find((r) => r.name === name);
      if (!role) throw new Error(`unknown role "${name}"; roles: ${roles.map((r) => r.name).join(', ')}`);
      await runRoles([role], { startServices: false });
    });

  program
    .command('migrate')
    .description('apply the database migrations (drizzle/)')
    .action(async () => {
      const hydra = await openHydra(loadConfig(), { producer: 'migrate', services: 'find', migrate: true, say });
      say(`database ${hydra.database.name} is up to date`);
      await hydra.close();
    });
}
