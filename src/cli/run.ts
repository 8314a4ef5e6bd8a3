import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openHydra, type Hydra } from '../context.ts';
import { roles, type Role, type RunningRole } from '../workers/index.ts';
import { startHeartbeat } from '../workers/heartbeat.ts';

const say = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);

/** Opens Hydra (starting services and migrating as needed), runs the roles until SIGINT/SIGTERM, then drains. */
export async function runRoles(selected: readonly Role[], opts: { before?: (h: Hydra) => Promise<void> } = {}): Promise<void> {
  const hydra = await openHydra(loadConfig(), { producer: selected.map((r) => r.name).join('+'), ensureServices: true, migrate: true, say });
  await opts.before?.(hydra);
  const running = new Map<string, RunningRole>();
  for (const role of selected) {
    running.set(role.name, await role.start(hydra, say));
    say(`${role.name}: started`);
  }
  const heartbeat = startHeartbeat(hydra.status, running);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      say(`${signal}: draining`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await heartbeat.stop();
  for (const [name, r] of [...running].reverse()) {
    await r.stop();
    say(`${name}: stopped`);
  }
  await hydra.close();
  say('stopped cleanly');
}

export function registerRunCommands(program: Command): void {
  program.command('up')
    .description('run every Hydra role in one process (starts NATS/MariaDB when needed, migrates the database)')
    .action(async () => runRoles(roles));

  program.command('worker')
    .description(`run one role: ${roles.map((r) => r.name).join(', ')}`)
    .argument('<role>', 'role name')
    .action(async (name: string) => {
      const role = roles.find((r) => r.name === name);
      if (!role) throw new Error(`unknown role "${name}"; roles: ${roles.map((r) => r.name).join(', ')}`);
      await runRoles([role]);
    });

  program.command('migrate')
    .description('apply the database migrations (drizzle/)')
    .action(async () => {
      const hydra = await openHydra(loadConfig(), { producer: 'migrate', ensureServices: true, migrate: true, say });
      say(`database ${hydra.database.name} is up to date`);
      await hydra.close();
    });
}
