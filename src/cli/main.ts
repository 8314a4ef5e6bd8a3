import { Command } from 'commander';
import { unknownSettings } from '../config.ts';
import { refuseRepeatedOptions } from './options.ts';
import { registerConfigCommands, registerEventCommands } from './events.ts';
import { registerServiceCommands } from './services.ts';
import { registerRunCommands } from './run.ts';
import { registerReplayCommands } from './replay.ts';
import { registerPlotTypeCommands } from './plot-types.ts';
import { registerFixturesCommands } from './fixtures.ts';
import { registerAlarmCommands } from './alarms.ts';
import { registerLabelCommands } from './labels.ts';
import { registerTrainCommands } from './train.ts';
import { registerModelCommands } from './models.ts';
import { registerBackboneCommands } from './backbone.ts';
import { registerUserCommands } from './users.ts';

// Each area of Hydra adds its own sub-commands; this file only wires them.
const program = new Command('hydra')
  .description('Hydra: classifies detector monitoring plots as they arrive, and learns from the experts')
  .showHelpAfterError()
  // A command's options come before its sub-commands': `train cancel ID --user U` gives --user to cancel.
  .enablePositionalOptions();

registerEventCommands(program);
registerConfigCommands(program);
registerServiceCommands(program);
registerRunCommands(program);
registerReplayCommands(program);
registerPlotTypeCommands(program);
registerFixturesCommands(program);
registerAlarmCommands(program);
registerLabelCommands(program);
registerTrainCommands(program);
registerModelCommands(program);
registerBackboneCommands(program);
registerUserCommands(program);
refuseRepeatedOptions(program);

for (const warning of unknownSettings(process.env)) console.error(`hydra: warning: ${warning}`);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as Error & { code?: string };
  console.error(`hydra: ${e.message}${e.code ? ` [${e.code}]` : ''}`);
  // Exit now: a half-started worker's open connections must not keep a failed process alive.
  process.exit(process.exitCode || 1);
}
