import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { decimalText, wholeNumberText } from '../text-input.ts';
import {
  SEVERITY_CHOICES,
  generateDataset,
  parseInjection,
  plotTypesYaml,
  simulate,
  writeDocs,
} from '../../fixtures/generator/index.ts';

/** `hydra fixtures` (labelled test data) and `hydra simulate` (an online monitor writing a run). */

export class FixturesOptionError extends Error {
  override readonly name = 'FixturesOptionError';
  readonly code = 'HYDRA_CLI_OPTIONS';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const size = z
  .string()
  .regex(/^\d+x\d+$/, 'WIDTHxHEIGHT, e.g. 800x600')
  .transform((s) => {
    const [w, h] = s.split('x').map(Number) as [number, number];
    return { width: w, height: h };
  })
  .refine((s) => s.width >= 16 && s.height >= 16 && s.width <= 4096 && s.height <= 4096, 'each side 16..4096');
const int = (min: number) => wholeNumberText({ min });
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

const fixturesOptions = z
  .object({
    out: z.string().min(1).optional(),
    perClass: int(1).default(10),
    seed: int(0).default(1),
    size: size.default({ width: 800, height: 600 }),
    severity: z.union([z.enum(SEVERITY_CHOICES), decimalText({ min: 0, max: 1 })]).default('mixed'),
    plotTypes: list.optional(),
    labels: list.optional(),
    docs: z.string().min(1).optional(),
    plotTypesYaml: z.string().min(1).optional(),
  })
  .refine((o) => o.out || o.docs || o.plotTypesYaml, 'give --out DIR (or --docs DIR, --plot-types-yaml FILE)');

const simulateOptions = z.object({
  inbox: z.string().min(1),
  run: int(0),
  chunks: int(1),
  interval: decimalText({ min: 0, max: 86_400 }).default(60),
  fail: z.array(z.string()).default([]),
  size: size.default({ width: 1600, height: 1200 }),
  seed: int(0).default(1),
  period: z.string().min(1).max(64).optional(),
  gain: decimalText({ min: 0, max: 10 }).optional(),
  firstChunk: int(0).default(0),
  plotTypes: list.optional(),
  truth: z.string().min(1).optional(),
});

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new FixturesOptionError(
      r.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; '),
      { cause: r.error },
    );
  return r.data;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function registerFixturesCommands(program: Command): void {
  program
    .command('fixtures')
    .description('generate labelled monitoring plots (PNG + manifest.csv/json) for tests, demos and benchmarks')
    .option('--out <dir>', 'write the dataset here: <dir>/<plotType>/<label>/<nnnn>.png, manifest.csv, manifest.json')
    .option('--per-class <n>', 'images per (plot type, label)', '10')
    .option('--seed <s>', 'seed: same seed, same bytes', '1')
    .option('--size <WxH>', 'canvas size in pixels', '800x600')
    .option('--severity <s>', 'Bad pictures: gross | subtle | mixed, or a number 0..1', 'mixed')
    .option('--plot-types <list>', 'only these plot types (comma-separated)')
    .option('--labels <list>', 'only these labels (comma-separated)')
    .option('--docs <dir>', 'write the picture gallery (one image per plot type and label, contact sheet, README)')
    .option('--plot-types-yaml <file>', 'write the Hydra plot-type configuration of every generated plot type')
    .action(async (raw: unknown) => {
      const o = parse(fixturesOptions, raw);
      if (o.plotTypesYaml) {
        await writeFile(o.plotTypesYaml, plotTypesYaml());
        console.log(`wrote ${o.plotTypesYaml}`);
      }
      if (o.docs) {
        const { files } = await writeDocs(o.docs);
        console.log(`wrote ${files.length} files to ${o.docs}`);
      }
      if (o.out) {
        const t0 = performance.now();
        const m = await generateDataset({
          outDir: o.out,
          perClass: o.perClass,
          seed: o.seed,
          ...o.size,
          severity: o.severity,
          ...(o.plotTypes ? { plotTypes: o.plotTypes } : {}),
          ...(o.labels ? { labels: o.labels } : {}),
        });
        const s = (performance.now() - t0) / 1000;
        console.log(
          `wrote ${m.images.length} images and manifest.csv/json to ${o.out} in ${s.toFixed(1)} s (${(m.images.length / s).toFixed(0)} images/s)`,
        );
      }
    });

  program
    .command('simulate')
    .description('act as an online monitor: write each plot of the next chunk of a run into an inbox, every interval')
    .requiredOption('--inbox <dir>', 'input directory; images go to <dir>/run-<NNNNNN>/ beside run.json')
    .requiredOption('--run <n>', 'run number')
    .requiredOption('--chunks <k>', 'how many chunks to write')
    .option('--interval <seconds>', 'seconds between chunks (0: as fast as possible)', '60')
    .option(
      '--fail <PLOT:MODE@CHUNK[:SEVERITY]>',
      'inject a failure (or NoData/LED/Cosmic/Good) from a chunk on; repeatable',
      collect,
    )
    .option('--size <WxH>', 'canvas size', '1600x1200')
    .option('--seed <s>', 'seed', '1')
    .option('--period <name>', 'run period (default: from the run number, e.g. RunPeriod-2019-11)')
    .option('--gain <g>', "one of each detector's eight HV supplies at this gain (0: off), default 1")
    .option('--first-chunk <n>', 'number of the first chunk', '0')
    .option('--plot-types <list>', 'only these plot types (comma-separated)')
    .option('--truth <file>', 'also write what each image shows (manifest CSV) here; keep it outside the inbox')
    .action(async (raw: unknown) => {
      const o = parse(simulateOptions, raw);
      const fail = o.fail.map(parseInjection);
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const r = await simulate({
          inbox: o.inbox,
          run: o.run,
          chunks: o.chunks,
          interval: o.interval,
          fail,
          ...o.size,
          seed: o.seed,
          firstChunk: o.firstChunk,
          signal: ac.signal,
          ...(o.period ? { period: o.period } : {}),
          ...(o.gain !== undefined ? { gain: o.gain } : {}),
          ...(o.plotTypes ? { plotTypes: o.plotTypes } : {}),
          ...(o.truth ? { truthFile: o.truth } : {}),
          onImage: (e) =>
            console.log(`${e.file}  ${e.label}${e.failureModes.length ? ` (${e.failureModes.join(', ')})` : ''}`),
        });
        console.log(
          `${r.stopped ? 'stopped after' : 'wrote'} ${r.chunksWritten} chunks, ${r.images} images in ${r.runDir}`,
        );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
