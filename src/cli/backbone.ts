import type { Command } from 'commander';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { wholeNumberText } from '../text-input.ts';
import { BACKBONE_DIR, pretextLabel, trainBackbone, type BackboneData } from '../training/backbone.ts';
import type { DatasetSource } from '../training/build-dataset.ts';
import { progressLine } from '../training/plan.ts';
import { DEFAULT_INPUT, generateDataset, PLOT_TYPES, RUN_PERIODS } from '../../fixtures/generator/index.ts';
import { parseOptions } from './options.ts';

/**
 * `hydra backbone train`: makes models/backbone/ again, from generated plots of every plot type (several
 * seeds and source sizes, mixed severities, extra Bad plots) of every run period but the last, which stays
 * for testing (npm run bench -- accuracy tests on it, with other seeds).
 */

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const sizes = list.pipe(z.array(z.string().regex(/^\d{2,4}x\d{2,4}$/, 'WIDTHxHEIGHT')).min(1));

const backboneOptions = z
  .object({
    perClass: wholeNumberText({ min: 2, max: 10_000 }).default(40),
    extraBad: wholeNumberText({ max: 10_000 }).default(40),
    seeds: list
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^\d{1,9}$/)
              .transform(Number),
          )
          .min(1),
      )
      .default([101]),
    sizes: sizes.default(['400x300', '800x600']),
    epochs: wholeNumberText({ min: 1, max: 1000 }).default(10),
    out: z.string().min(1).default(BACKBONE_DIR),
  })
  .strict();

/** Every run period but the last: the bench tests on the last one, which the backbone never saw. */
export const BACKBONE_RUN_PERIODS = RUN_PERIODS.slice(0, -1).map((p) => p.name);

export function registerBackboneCommands(program: Command): void {
  program
    .command('backbone')
    .description('the shared backbone every plot type starts from (models/backbone/)')
    .command('train')
    .description('generates plots of every plot type and trains the backbone on them (minutes to an hour on a CPU)')
    .option('--per-class <n>', 'plots per plot type and label, per seed and size (default 40)')
    .option('--extra-bad <n>', 'more Bad plots per plot type, per seed and size (default 40)')
    .option('--seeds <list>', 'generator seeds (default 101)')
    .option('--sizes <list>', 'source sizes (default 400x300,800x600)')
    .option('--epochs <n>', 'epochs (default 10)')
    .option('--out <dir>', `where backbone.pt and record.json go (default ${BACKBONE_DIR})`)
    .action(async (raw: unknown) => {
      const o = parseOptions(backboneOptions, raw);
      const work = await mkdtemp(path.join(tmpdir(), 'hydra-backbone-'));
      try {
        const sources: DatasetSource[] = [];
        for (const seed of o.seeds)
          for (const size of o.sizes) {
            const [width, height] = size.split('x').map(Number) as [number, number];
            for (const [part, extra] of [
              ['all', false],
              ['bad', true],
            ] as const) {
              if (extra && !o.extraBad) continue;
              const dir = path.join(work, `${seed}-${size}-${part}`);
              const m = await generateDataset({
                outDir: dir,
                perClass: extra ? o.extraBad : o.perClass,
                seed: extra ? seed + 50_000 : seed,
                width,
                height,
                severity: 'mixed',
                runPeriods: BACKBONE_RUN_PERIODS,
                ...(extra ? { labels: ['Bad'] } : {}),
              });
              for (const e of m.images)
                sources.push({
                  imageId: e.sha256,
                  label: pretextLabel(e.plotType, e.label),
                  load: () => readFile(path.join(dir, e.file)),
                });
              console.error(`backbone: generated ${m.images.length} plots (seed ${seed}, ${size}, ${part})`);
            }
          }
        const data: BackboneData = {
          generator: 'fixtures/generator',
          seeds: o.seeds,
          sizes: o.sizes,
          runPeriods: BACKBONE_RUN_PERIODS,
          severity: 'mixed',
          perClass: o.perClass,
          extraBadPerClass: o.extraBad,
          plotTypes: PLOT_TYPES.map((p) => p.name),
        };
        const record = await trainBackbone({
          sources,
          labels: PLOT_TYPES.flatMap((p) => p.labels.map((l) => pretextLabel(p.name, l.name))),
          input: DEFAULT_INPUT,
          data,
          parameters: { epochs: o.epochs, patience: 0, batchSize: 32, learningRate: 0.003, seed: 1, minPerClass: 2 },
          workDir: work,
          outDir: o.out,
          command: `hydra backbone train ${process.argv.slice(4).join(' ')}`.trim(),
          now: () => new Date(),
          onProgress: (p) => console.error(`${progressLine('backbone', p)}`),
          say: (line) => console.error(line),
        });
        console.log(
          `backbone: ${path.join(o.out, 'backbone.pt')} (${record.dataset.count} plots, ${record.epochsRun} epochs, validation accuracy ${(100 * record.valAccuracy).toFixed(1)}%, ${record.trainSeconds} s)`,
        );
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
}
