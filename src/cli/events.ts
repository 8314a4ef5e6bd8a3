import type { Command } from 'commander';
import { writeEventJsonSchemas } from '../events/json-schema.ts';
import { configReference } from '../config.ts';

export function registerEventCommands(program: Command): void {
  const events = program.command('events').description('the event catalog');
  events
    .command('schema')
    .description('write a JSON Schema per event type, for programs in other languages reading the stream')
    .requiredOption('--out <dir>', 'directory to write into')
    .action(async (opts: { out: string }) => {
      const files = await writeEventJsonSchemas(opts.out);
      console.log(`wrote ${files.length} JSON Schemas to ${opts.out}`);
    });
}

export function registerConfigCommands(program: Command): void {
  program
    .command('config')
    .description('print the configuration reference (every setting, its default and meaning), as in the README')
    .action(() => {
      console.log(configReference());
    });
}
