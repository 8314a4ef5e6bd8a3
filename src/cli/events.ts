import type { Command } from 'commander';
import { writeEventJsonSchemas } from '../events/json-schema.ts';
import { configReference, loadConfig } from '../config.ts';
import { formatReaderGuide, readerGuide } from '../events/readers.ts';

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
  events
    .command('info')
    .description(
      'for readers not written with Hydra: the stream, subjects, key escaping, the blob bucket and how to read it, each event type',
    )
    .option('--json', 'the same as one JSON object')
    .action((opts: { json?: boolean }) => {
      const guide = readerGuide(loadConfig().HYDRA_NAMESPACE);
      console.log(opts.json ? JSON.stringify(guide, null, 2) : formatReaderGuide(guide));
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
