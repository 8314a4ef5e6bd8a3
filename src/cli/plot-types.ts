import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { openHydra } from '../context.ts';
import { parsePlotTypesYaml } from '../plottypes/plan.ts';
import { applyPlotTypes, currentPlotTypes, retirePlotType } from '../plottypes/commands.ts';

const user = () => process.env.USER ?? 'admin';

export function registerPlotTypeCommands(program: Command): void {
  const pt = program.command('plot-types').description('the plot-type registry');

  pt.command('apply')
    .description(
      'create or update plot types from a YAML file (validated; applying the same file twice changes nothing)',
    )
    .argument('<file>', 'YAML: a list of plot types')
    .action(async (file: string) => {
      const specs = parsePlotTypesYaml(await readFile(file, 'utf8'), file);
      const hydra = await openHydra(loadConfig(), { producer: 'plot-types', services: 'find' });
      try {
        const changes = await applyPlotTypes(hydra.log, specs, {
          correlationId: `apply:${file}`,
          producer: 'cli',
          user: user(),
        });
        for (const c of changes) {
          if (c.kind === 'define') console.log(`defined   ${c.spec.name}`);
          else if (c.kind === 'update') console.log(`updated   ${c.spec.name} (${c.fields.join(', ')})`);
          else console.log(`unchanged ${c.name}`);
        }
      } finally {
        await hydra.close();
      }
    });

  pt.command('list')
    .description('the plot types in use')
    .action(async () => {
      const hydra = await openHydra(loadConfig(), { producer: 'plot-types', services: 'find' });
      try {
        const all = await currentPlotTypes(hydra.log);
        for (const [name, { spec, retired }] of [...all].sort()) {
          console.log(
            `${name.padEnd(28)} ${spec.detector.padEnd(10)} labels ${spec.labels.map((l) => l.name).join('/')}  collect ${spec.collectPercent}%${spec.ignore ? '  ignored' : ''}${retired ? '  RETIRED' : ''}`,
          );
        }
        if (all.size === 0) console.log('no plot types yet: hydra plot-types apply FILE.yaml');
      } finally {
        await hydra.close();
      }
    });

  pt.command('retire')
    .description('take a plot type out of use')
    .argument('<name>')
    .option('--reason <text>')
    .action(async (name: string, opts: { reason?: string }) => {
      const hydra = await openHydra(loadConfig(), { producer: 'plot-types', services: 'find' });
      try {
        await retirePlotType(hydra.log, name, opts.reason, {
          correlationId: `retire:${name}`,
          producer: 'cli',
          user: user(),
        });
        console.log(`retired ${name}`);
      } finally {
        await hydra.close();
      }
    });
}
