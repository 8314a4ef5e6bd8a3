import type { Command } from 'commander';
import { z } from 'zod';
import { decimalText } from '../text-input.ts';
import { loadConfig } from '../config.ts';
import { openHydra } from '../context.ts';
import { tokenSchema } from '../events/define.ts';
import { activationBarOf } from '../models/decide.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { progressLine } from '../training/plan.ts';
import {
  cancelTraining,
  followTraining,
  givenParameters,
  requestTraining,
  trainingParameterText,
} from '../training/request.ts';
import { barProblems } from '../training/evaluate.ts';
import { evaluationSummary, failureSummary } from '../training/summary.ts';
import { defaultUser, parseOptions, userSchema } from './options.ts';

/** `hydra train --wait`'s exit status for a model that trained but is under its plot type's activation bar. */
export const EXIT_UNDER_BAR = 3;

const trainOptions = trainingParameterText.extend({
  plotType: z.string({ error: 'required: --plot-type NAME' }).pipe(tokenSchema),
  reason: z.string().max(500).default(''),
  user: userSchema.optional(),
  wait: z.boolean().default(false),
  timeout: decimalText({ min: 0, max: 31_536_000, aboveMin: true }).optional(),
});

export function registerTrainCommands(program: Command): void {
  const train = program.command('train');
  train
    .command('cancel')
    .description('cancel a training run that has not finished: a worker training it stops, a queued one never starts')
    .argument('<training>', 'the training id (hydra train printed it; the Library lists it)')
    .option('--user <name>', 'who')
    .option('--reason <text>')
    .action(async (id: string, raw: unknown) => {
      const o = parseOptions(
        z.object({ id: tokenSchema, user: userSchema.optional(), reason: z.string().max(500).optional() }),
        { ...(raw as object), id },
      );
      const user = o.user ?? defaultUser();
      const hydra = await openHydra(loadConfig(), { producer: 'train', services: 'find' });
      try {
        await cancelTraining(
          hydra.log,
          { trainingId: o.id, user, ...(o.reason ? { reason: o.reason } : {}) },
          { producer: 'cli', user, correlationId: `cancel:${o.id}` },
        );
        console.log(`training ${o.id} cancelled`);
      } finally {
        await hydra.close();
      }
    });
  train
    .description(
      "ask for a model of a plot type to be trained from its labels (a training worker does it: hydra up, or hydra worker training); --wait follows it and exits 0 when it completes, 1 when it fails, 3 when the model is under the plot type's activation bar",
    )
    .option('--plot-type <name>', 'the plot type (required)')
    .option('--epochs <n>', 'most epochs (early stopping may end sooner; default 30)')
    .option('--learning-rate <x>', 'initial learning rate (default 0.003)')
    .option('--batch-size <n>', 'default 32')
    .option('--annealing <how>', 'cosine | step | none (default cosine)')
    .option(
      '--patience <n>',
      'epochs without a better validation balanced accuracy before stopping; 0 never stops early (default 5)',
    )
    .option(
      '--min-delta <x>',
      'at equal balanced accuracy, the validation-loss drop that counts as better (default 0.001)',
    )
    .option('--validation-fraction <x>', 'share of each label kept for validation (default 0.2)')
    .option('--sampling <how>', "none | balanced | weighted (default: the plot type's)")
    .option('--seed <n>', 'random seed (default 1)')
    .option('--min-per-class <n>', 'fewest labelled images per label (default 5)')
    .option('--parent-model <id>', 'the model this one succeeds (recorded with it)')
    .option('--device <d>', 'auto | cpu | cuda (default auto)')
    .option(
      '--backbone <b>',
      'shipped: start from models/backbone/ and train only the last block and head (seconds); none: every block from scratch (default: shipped for 3-channel inputs)',
    )
    .option('--reason <text>', 'why (kept with the request)')
    .option('--user <name>', 'who asks')
    .option('--wait', 'follow the training and print its evaluation', false)
    .option('--timeout <s>', 'with --wait: give up waiting after this many seconds (exit 2)')
    .action(async (raw: unknown) => {
      const o = parseOptions(trainOptions, raw);
      const parameters = givenParameters(o);
      const hydra = await openHydra(loadConfig(), { producer: 'train', services: 'find' });
      const plotTypes = await PlotTypeCache.open(hydra.log);
      try {
        const user = o.user ?? defaultUser();
        const r = await requestTraining(
          hydra.log,
          plotTypes,
          { plotType: o.plotType, parameters, reason: o.reason, requester: user },
          { producer: 'cli', user },
        );
        console.log(`requested training ${r.trainingId} of ${o.plotType}`);
        if (!o.wait) return;
        const signal = o.timeout ? AbortSignal.timeout(o.timeout * 1000) : undefined;
        const outcome = await followTraining(hydra.log, r.trainingId, {
          ...(signal ? { signal } : {}),
          onEvent: (e) => {
            if (e.type === 'training.progress') console.log(progressLine(r.trainingId, e.data));
          },
        });
        if (!outcome) {
          console.error(
            `no outcome within ${o.timeout} s (is a training worker running? hydra worker training); the request stays queued`,
          );
          process.exitCode = 2;
        } else if (outcome.kind === 'completed') {
          for (const line of evaluationSummary(outcome.data)) console.log(line);
          const id = outcome.data.modelId;
          const bar = activationBarOf(plotTypes.get(o.plotType));
          const weak = barProblems(outcome.data.evaluation, bar);
          if (weak.length) {
            console.error(`\nthis model is UNDER ${o.plotType}'s activation bar:`);
            for (const w of weak) console.error(`  - ${w}`);
            console.error(
              `do not use it as is: label more images (both labels), check the labels, and train again. Activating it anyway needs hydra models activate ${id} --below-bar`,
            );
            process.exitCode = EXIT_UNDER_BAR;
          } else
            console.log(`\nnext: hydra models signoff ${id} --user NAME, then hydra models activate ${id} --user NAME`);
        } else {
          for (const line of failureSummary(outcome.data)) console.error(line);
          process.exitCode = 1;
        }
      } finally {
        await plotTypes.close();
        await hydra.close();
      }
    });
}
