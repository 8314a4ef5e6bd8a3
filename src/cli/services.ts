import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { formatCheck, runDoctor } from '../services/doctor.ts';
import { ensureServices, servicesStatus, stopServices } from '../services/index.ts';

const say = (line: string): void => console.log(line);

export function registerServiceCommands(program: Command): void {
  const services = program
    .command('services')
    .description('NATS and MariaDB: use the configured ones when they answer, else run our own under var/services/');

  services
    .command('up')
    .description('make sure NATS (JetStream) and MariaDB answer, starting local ones where needed; they keep running')
    .action(async () => {
      const s = await ensureServices(loadConfig(), { log: say });
      say(`NATS_URL=${s.natsUrl}`);
      say(`DATABASE_URL=${s.databaseUrl}`);
    });

  services
    .command('status')
    .description('where each service is and whether it answers (exit 1 when one does not)')
    .action(async () => {
      const report = await servicesStatus(loadConfig());
      if (report.stateProblem) say(`warning: state file ignored: ${report.stateProblem}`);
      for (const r of report.rows) {
        const proc = r.where === 'embedded' ? ` pid ${r.pid}${r.running ? '' : ' (not running)'}` : '';
        const state = r.answers ? 'answers' : `does not answer (${r.reason ?? 'unknown'})`;
        say(`${r.inUse ? '*' : ' '} ${r.name.padEnd(8)} ${r.where.padEnd(11)} ${r.url}${proc}: ${state}`);
      }
      const names = new Set(report.rows.map((r) => r.name));
      const unserved = [...names].filter((n) => !report.rows.some((r) => r.name === n && r.inUse));
      if (unserved.length > 0) {
        say(`not available: ${unserved.join(', ')} (hydra services up starts them)`);
        process.exitCode = 1;
      }
    });

  services
    .command('down')
    .description('stop the servers Hydra started (never the configured ones); their data stays under var/services/')
    .action(async () => {
      const stopped = await stopServices(loadConfig(), { log: say });
      if (stopped.length === 0) say('no embedded servers to stop');
    });

  program
    .command('doctor')
    .description('check what Hydra needs on this machine (Node, NATS, MariaDB, Python with torch, chromium)')
    .option('--install', 'install what is missing (Debian packages; needs root)', false)
    .option('--quiet', 'print only problems and actions', false)
    .action(async (raw: unknown) => {
      const opts = z.object({ install: z.boolean(), quiet: z.boolean() }).parse(raw);
      const result = await runDoctor(loadConfig(), { install: opts.install, log: say });
      for (const c of result.checks) if (!opts.quiet || !c.ok) say(formatCheck(c));
      if (result.installed.length > 0) say(`installed: ${result.installed.join(' ')}`);
      if (!result.ok && result.installed.length > 0) {
        say('still missing after installing; see above');
        process.exitCode = 1;
      } else if (!result.ok) {
        say(`to install what is missing, run:\n  ${result.manualCommand ?? '(nothing Hydra can install; see above)'}`);
        process.exitCode = 1;
      }
    });
}
