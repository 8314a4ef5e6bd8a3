import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openHydra } from '../context.ts';
import { allProjections, ProjectionRunner } from '../projections/index.ts';
import { deadLetterCounts } from '../projections/dead-letters.ts';
import { Replayer, type ReplayProgress } from '../projections/runtime/replay.ts';

function progressPrinter(): (p: ReplayProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 500 && p.seq < p.until) return;
    last = now;
    const pct = p.until > 0 ? Math.min(100, (100 * p.seq) / p.until).toFixed(0) : '100';
    process.stderr.write(`\r  ${p.projection}: ${p.events} events, seq ${p.seq}/${p.until} (${pct}%)   `);
  };
}

export function registerReplayCommands(program: Command): void {
  program
    .command('replay')
    .description(
      'rebuild every projection from stream sequence 1; --verify compares with the live tables, otherwise the rebuilt tables replace them',
    )
    .option('--verify', 'compare only; exit 1 and print the differing rows when they differ', false)
    .option('--only <names>', 'comma-separated projection names')
    .action(async (opts: { verify: boolean; only?: string }) => {
      const hydra = await openHydra(loadConfig(), { producer: 'replay', services: 'find', migrate: true });
      try {
        const wanted = opts.only?.split(',').map((s) => s.trim());
        const unknown = wanted?.filter((w) => !allProjections.some((p) => p.name === w)) ?? [];
        if (unknown.length)
          throw new Error(
            `unknown projections: ${unknown.join(', ')}; known: ${allProjections.map((p) => p.name).join(', ')}`,
          );
        const chosen = allProjections.filter((p) => !wanted || wanted.includes(p.name));
        const replayer = new Replayer(hydra.database.pool, hydra.log, progressPrinter());
        const t0 = performance.now();
        let rows = 0;
        let differing = 0;
        for (const p of chosen) {
          if (opts.verify) {
            const r = await replayer.verify(p);
            rows += r.rows;
            differing += r.differences.length;
            process.stderr.write('\n');
            for (const d of r.differences.slice(0, 50)) {
              console.log(
                `${p.name} ${d.id}\n  live:    ${d.live ?? '(missing)'}\n  rebuilt: ${d.rebuilt ?? '(missing)'}`,
              );
            }
            if (r.differences.length > 50) console.log(`${p.name}: ... and ${r.differences.length - 50} more`);
          } else {
            const r = await replayer.rebuildAndSwitch(p);
            rows += r.rows;
            process.stderr.write('\n');
          }
        }
        const secs = ((performance.now() - t0) / 1000).toFixed(1);
        const seq = (await hydra.log.streamInfo()).state.last_seq;
        if (opts.verify) {
          console.log(
            differing === 0
              ? `replay --verify: ${chosen.length} projections, ${rows} rows equal to a rebuild from ${seq} events (${secs}s)`
              : `replay --verify: ${differing} rows differ across ${chosen.length} projections (${secs}s)`,
          );
          if (differing > 0) process.exitCode = 1;
        } else {
          console.log(
            `replay: ${chosen.length} projections rebuilt from ${seq} events and switched in, ${rows} rows (${secs}s)`,
          );
        }
      } finally {
        await hydra.close();
      }
    });

  program
    .command('projections')
    .description('each projection: checkpoint, consumer lag, dead letters')
    .action(async () => {
      const hydra = await openHydra(loadConfig(), { producer: 'status', services: 'find', migrate: true });
      try {
        const deadBy = new Map((await deadLetterCounts(hydra.database.db)).map((d) => [d.projection, d.n]));
        for (const p of allProjections) {
          const lag = await new ProjectionRunner(hydra.database, hydra.log, p).lag();
          console.log(
            `${p.name.padEnd(20)} checkpoint ${String(lag.checkpoint).padStart(8)}  lag ${String(lag.pending).padStart(6)}  dead letters ${deadBy.get(p.name) ?? 0}`,
          );
        }
      } finally {
        await hydra.close();
      }
    });
}
