import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { decimalText } from '../text-input.ts';
import { loadConfig } from '../config.ts';
import { openHydra, type Hydra } from '../context.ts';
import { tokenSchema } from '../events/define.ts';
import { isConcurrencyConflict } from '../events/errors.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { activationBarOf, modelBarProblems } from '../models/decide.ts';
import {
  activateModel,
  importModel,
  readModels,
  retireModel,
  setModelThresholds,
  rollbackModel,
  signOffModel,
} from '../models/lifecycle.ts';
import type { ActivationBar } from '../training/evaluate.ts';
import { backfillRangeOf, backfillRangeText, followBackfill, requestBackfill } from '../backfill/request.ts';
import { rangeText } from '../backfill/plan.ts';
import { zonedToUtc } from '../http/format.ts';
import { modelsTable } from '../training/summary.ts';
import { defaultUser, parseOptions, userSchema } from './options.ts';

/** `hydra models list|signoff|activate|retire|import`: the model registry. Decisions live in src/models. */

async function withHydra<T>(producer: string, fn: (h: Hydra) => Promise<T>): Promise<T> {
  const hydra = await openHydra(loadConfig(), { producer, services: 'find' });
  try {
    return await fn(hydra);
  } finally {
    await hydra.close();
  }
}

const metadata = (user: string, what: string) => ({ correlationId: what, producer: 'cli', user });
const modelId = tokenSchema;
const labelList = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
  )
  .pipe(z.array(tokenSchema).min(2));

/** The activation bar of a model's plot type (the default one if the plot type is gone). */
async function barOf(h: Hydra, id: string): Promise<ActivationBar> {
  const model = (await readModels(h.log)).get(id);
  return model ? barOfPlotType(h, model.plotType) : activationBarOf(undefined);
}

async function barOfPlotType(h: Hydra, plotType: string): Promise<ActivationBar> {
  const plotTypes = await PlotTypeCache.open(h.log);
  try {
    return activationBarOf(plotTypes.get(plotType));
  } finally {
    await plotTypes.close();
  }
}

/** Of two activations at once one wins; the other is told so in words. */
const raced = (err: unknown): unknown =>
  isConcurrencyConflict(err)
    ? new Error('another activation for this plot type won the race; look at hydra models list and try again', {
        cause: err,
      })
    : err;

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('the models: trained and imported models, sign-off, activation');

  models
    .command('list')
    .description('every model with its status (trained, signed-off, active, retired) and validation accuracy')
    .option('--plot-type <name>', 'only this plot type')
    .action(async (raw: unknown) => {
      const o = parseOptions(z.object({ plotType: tokenSchema.optional() }), raw);
      await withHydra('models', async (h) => {
        for (const line of modelsTable([...(await readModels(h.log, o.plotType)).values()])) console.log(line);
      });
    });

  models
    .command('signoff')
    .description('an expert approves a model for use (after reading its evaluation)')
    .argument('<model>')
    .requiredOption('--user <name>', 'the expert')
    .option('--comment <text>')
    .action(async (id: string, raw: unknown) => {
      const o = parseOptions(z.object({ id: modelId, user: userSchema, comment: z.string().max(2000).optional() }), {
        ...(raw as object),
        id,
      });
      await withHydra('models', async (h) => {
        await signOffModel(
          h.log,
          { modelId: o.id, user: o.user, ...(o.comment ? { comment: o.comment } : {}) },
          metadata(o.user, `signoff:${o.id}`),
        );
        console.log(`${o.id} signed off by ${o.user}`);
        const model = (await readModels(h.log)).get(o.id);
        const weak = model ? modelBarProblems(model, await barOf(h, o.id)) : [];
        if (weak.length)
          console.error(
            `warning: ${o.id} is under its plot type's activation bar: ${weak.join('; ')}\nactivating it needs --below-bar`,
          );
      });
    });

  models
    .command('activate')
    .description(
      "make a model its plot type's active model (it must be signed off, unless an admin overrides); the previous one steps back",
    )
    .argument('<model>')
    .requiredOption('--user <name>', 'who')
    .option('--override', 'activate without sign-off (admins only: HYDRA_ADMINS)', false)
    .option(
      '--below-bar',
      "activate although its validation is under the plot type's activation bar (recorded with the activation)",
      false,
    )
    .action(async (id: string, raw: unknown) => {
      const o = parseOptions(
        z.object({ id: modelId, user: userSchema, override: z.boolean(), belowBar: z.boolean() }),
        {
          ...(raw as object),
          id,
        },
      );
      await withHydra('models', async (h) => {
        try {
          const r = await activateModel(
            h.log,
            {
              modelId: o.id,
              user: o.user,
              override: o.override,
              admins: h.config.HYDRA_ADMINS,
              bar: await barOf(h, o.id),
              belowBar: o.belowBar,
            },
            metadata(o.user, `activate:${o.id}`),
          );
          console.log(
            `${o.id} is now active${r.previousModelId ? ` (replacing ${r.previousModelId})` : ''}${o.override ? ' [override]' : ''}${r.belowBar ? " [below its plot type's bar]" : ''}`,
          );
        } catch (err) {
          throw raced(err);
        }
      });
    });

  models
    .command('rollback')
    .description('make the model the active one replaced active again (with the same checks as activate)')
    .requiredOption('--plot-type <name>', 'the plot type')
    .requiredOption('--user <name>', 'who')
    .option('--below-bar', "roll back although that model is under the plot type's activation bar", false)
    .action(async (raw: unknown) => {
      const o = parseOptions(z.object({ plotType: tokenSchema, user: userSchema, belowBar: z.boolean() }), raw);
      await withHydra('models', async (h) => {
        try {
          const r = await rollbackModel(
            h.log,
            {
              plotType: o.plotType,
              user: o.user,
              override: false,
              admins: h.config.HYDRA_ADMINS,
              bar: await barOfPlotType(h, o.plotType),
              belowBar: o.belowBar,
            },
            metadata(o.user, `rollback:${o.plotType}`),
          );
          console.log(`${r.modelId} is active again${r.previousModelId ? ` (replacing ${r.previousModelId})` : ''}`);
        } catch (err) {
          throw raced(err);
        }
      });
    });

  models
    .command('retire')
    .description('take a model out of use (an active one leaves its plot type without a model)')
    .argument('<model>')
    .option('--user <name>', 'who')
    .option('--reason <text>')
    .action(async (id: string, raw: unknown) => {
      const o = parseOptions(
        z.object({ id: modelId, user: userSchema.optional(), reason: z.string().max(2000).optional() }),
        { ...(raw as object), id },
      );
      const user = o.user ?? defaultUser();
      await withHydra('models', async (h) => {
        await retireModel(
          h.log,
          { modelId: o.id, user, ...(o.reason ? { reason: o.reason } : {}) },
          metadata(user, `retire:${o.id}`),
        );
        console.log(`${o.id} retired`);
      });
    });

  models
    .command('thresholds')
    .description(
      "set confirmation thresholds (a verdict is confirmed above its label's threshold, else Unconfirmed); inference applies them to later verdicts",
    )
    .argument('<model>')
    .requiredOption('--set <list>', 'label=threshold pairs, e.g. Bad=0.8,Good=0.6 (each from 0 to 1)')
    .option('--user <name>', 'who')
    .option('--comment <text>')
    .action(async (id: string, raw: unknown) => {
      const pair = z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,128}=/, 'label=threshold')
        .transform((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const)
        .pipe(z.tuple([z.string(), decimalText({ min: 0, max: 1 })]));
      const o = parseOptions(
        z.object({
          id: modelId,
          set: z
            .string()
            .transform((s) => s.split(','))
            .pipe(z.array(pair).min(1)),
          user: userSchema.optional(),
          comment: z.string().max(2000).optional(),
        }),
        { ...(raw as object), id },
      );
      const user = o.user ?? defaultUser();
      await withHydra('models', async (h) => {
        const cmd = {
          modelId: o.id,
          user,
          thresholds: Object.fromEntries(o.set),
          ...(o.comment ? { comment: o.comment } : {}),
        };
        const r = await setModelThresholds(h.log, cmd, metadata(user, `thresholds:${o.id}`));
        console.log(
          r
            ? `${o.id} thresholds: ${Object.entries(r.thresholds)
                .map(([l, t]) => `${l} ${t}`)
                .join(', ')}`
            : `${o.id} already has these thresholds`,
        );
      });
    });

  models
    .command('backfill')
    .description(
      "run a model (active, or a candidate not yet active) over a plot type's stored arrivals of a run or time range, beside the verdicts they had (a backfill worker does it: hydra up, or hydra worker backfill); --wait follows it and prints the agreement",
    )
    .argument('<model>')
    .option('--plot-type <name>', "the model's plot type (checked; default: the model's)")
    .option('--runs <from-to>', 'runs from–to, both included, e.g. 71000-71020')
    .option('--from <time>', 'arrivals from this local time (YYYY-MM-DD[THH:MM[:SS]] in HYDRA_TIMEZONE), included')
    .option('--to <time>', 'arrivals until this local time, excluded')
    .option('--limit <n>', 'at most this many arrivals, the earliest first (default 1000, at most 10000)')
    .requiredOption('--user <name>', 'who asks (an expert)')
    .option('--wait', 'follow the backfill and print its summary', false)
    .option('--timeout <s>', 'with --wait: give up waiting after this many seconds (exit 2)')
    .action(async (id: string, raw: unknown) => {
      const runs = z
        .string()
        .regex(/^\d+-\d+$/, 'runs as FROM-TO, e.g. 71000-71020')
        .transform((t) => t.split('-'));
      const o = parseOptions(
        z.object({
          id: modelId,
          plotType: tokenSchema.optional(),
          runs: runs.optional(),
          from: z.string().optional(),
          to: z.string().optional(),
          limit: z.string().optional(),
          user: userSchema,
          wait: z.boolean(),
          timeout: decimalText({ min: 0, max: 31_536_000, aboveMin: true }).optional(),
        }),
        { ...(raw as object), id },
      );
      const range = parseOptions(backfillRangeText, {
        ...(o.runs ? { runFrom: o.runs[0], runTo: o.runs[1] } : {}),
        ...(o.from !== undefined ? { from: o.from } : {}),
        ...(o.to !== undefined ? { to: o.to } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
      });
      await withHydra('models', async (h) => {
        const known = (await readModels(h.log)).get(o.id);
        const r = await requestBackfill(
          h.log,
          async () => known,
          {
            modelId: o.id,
            plotType: o.plotType ?? known?.plotType ?? '',
            ...backfillRangeOf(range, (t) => zonedToUtc(t, h.config.HYDRA_TIMEZONE)),
            user: o.user,
          },
          { producer: 'cli', user: o.user },
        );
        const d = r.event.type === 'backfill.requested' ? r.event.data : null;
        console.log(`requested backfill ${r.backfillId}: ${o.id} over ${d ? rangeText(d) : 'the range'}`);
        if (!o.wait) return;
        const signal = o.timeout ? AbortSignal.timeout(o.timeout * 1000) : undefined;
        const outcome = await followBackfill(h.log, r.backfillId, {
          ...(signal ? { signal } : {}),
          onEvent: (e) => {
            if (e.type === 'backfill.started') console.log(`${e.data.total} arrivals to judge`);
            if (e.type === 'backfill.verdicts') console.log(`judged ${e.data.offset + e.data.size}`);
          },
        });
        if (!outcome) {
          console.error(`no outcome within ${o.timeout} s (is a backfill worker running? hydra worker backfill)`);
          process.exitCode = 2;
        } else if (outcome.kind === 'failed') {
          console.error(`backfill failed (${outcome.data.code}): ${outcome.data.reason}`);
          process.exitCode = 1;
        } else {
          const s = outcome.data;
          const pct = s.compared ? ` (${((100 * s.agreed) / s.compared).toFixed(1)} %)` : '';
          console.log(
            `${s.judged} of ${s.total} judged (${s.unreadable} unreadable); agrees with ${s.agreed} of ${s.compared} verdicts${pct}; ${s.changed} changed`,
          );
          for (const p of s.pairs.filter((x) => x.had !== x.now)) console.log(`  ${p.had} → ${p.now}: ${p.count}`);
        }
      });
    });

  models
    .command('import')
    .description(
      'register a model trained elsewhere (ONNX): input float32 [N, C, H, W] of the plot type\'s input size, raw 0..255 values; output "logits" [N, labels] (optional "cams" [N, labels, h, w])',
    )
    .argument('<file>', 'model.onnx')
    .requiredOption('--plot-type <name>')
    .requiredOption('--labels <list>', 'the labels of the logits columns, in order, e.g. Good,Bad')
    .requiredOption('--user <name>', 'who')
    .option('--comment <text>')
    .action(async (file: string, raw: unknown) => {
      const o = parseOptions(
        z.object({
          plotType: tokenSchema,
          labels: labelList,
          user: userSchema,
          comment: z.string().max(2000).optional(),
        }),
        raw,
      );
      const bytes = await readFile(file);
      await withHydra('models', async (h) => {
        const plotTypes = await PlotTypeCache.open(h.log);
        try {
          const r = await importModel(
            { log: h.log, blobs: h.blobs, plotTypes },
            {
              bytes,
              plotType: o.plotType,
              labels: o.labels,
              user: o.user,
              ...(o.comment ? { comment: o.comment } : {}),
            },
            metadata(o.user, `import:${path.basename(file)}`.slice(0, 200)),
          );
          console.log(
            r.created
              ? `imported ${r.modelId} (onnx ${r.onnx.slice(0, 12)}); next: hydra models signoff ${r.modelId} --user NAME`
              : `already registered as ${r.modelId}`,
          );
        } finally {
          await plotTypes.close();
        }
      });
    });
}
