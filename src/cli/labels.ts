import type { Command } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../config.ts';
import { openHydra } from '../context.ts';
import { sha256Schema, tokenSchema } from '../events/define.ts';
import { importLabels, type ImportProgress } from '../labels/import.ts';
import { assignLabel, retractLabel } from '../labels/label.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { openIngestor } from '../ingest/open.ts';
import { defaultUser, parseOptions, userSchema } from './options.ts';

/** `hydra labels import|assign|retract`: the experts' labels, from a CSV file or one at a time. */

/**
 * Progress of long imports on stderr: redrawn in place on a terminal; otherwise (a log file) a line
 * every few seconds and one when each phase ends.
 */
function progressPrinter(): { update: (p: ImportProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let last = 0,
    shown = false;
  return {
    update(p) {
      if (p.total < 100) return;
      const now = Date.now();
      if (now - last < (tty ? 250 : 5000) && p.done < p.total) return;
      last = now;
      shown = tty;
      const text = `${p.phase.padEnd(9)} ${p.done}/${p.total} (${Math.floor((100 * p.done) / p.total)}%)`;
      process.stderr.write(tty ? `\r  ${text}   ` : `  ${text}\n`);
    },
    end: () => {
      if (shown) process.stderr.write('\n');
      shown = false;
    },
  };
}

const importOptions = z.strictObject({ user: userSchema.optional(), root: z.string().min(1).optional() });
const oneOptions = z.object({ user: userSchema.optional(), comment: z.string().max(2000).optional() });
const oneArgs = z.object({ imageId: sha256Schema, plotType: tokenSchema, label: tokenSchema });

export function registerLabelCommands(program: Command): void {
  const labels = program.command('labels').description("the experts' labels of images");

  labels
    .command('import')
    .description(
      "import labels from a CSV (columns file, plot_type, label; optional user, comment, run, run_period, chunk, pad; the generator's manifest.csv works): each image is ingested if new, then labelled. The whole file is checked first; any bad row and nothing is imported.",
    )
    .argument('<file>', 'CSV file; image paths are relative to it and must stay inside its folder')
    .option('--user <name>', 'who labelled them (when the CSV has no user column)')
    .option('--root <dir>', "the folder image paths are relative to and must stay inside (default: the CSV's)")
    .action(async (file: string, raw: unknown) => {
      const o = parseOptions(importOptions, raw);
      const hydra = await openHydra(loadConfig(), { producer: 'labels-import', services: 'find', migrate: true });
      const { ingestor, plotTypes } = await openIngestor(hydra, 'labels-import');
      const bar = progressPrinter();
      try {
        const t0 = performance.now();
        const s = await importLabels({ log: hydra.log, plotTypes, ingestor, db: hydra.database.db }, file, {
          user: o.user ?? defaultUser(),
          ...(o.root ? { root: o.root } : {}),
          metadata: { correlationId: `labels-import:${file}`.slice(0, 200), producer: 'labels-import' },
          onProgress: bar.update,
        });
        bar.end();
        console.log(
          `${s.rows} rows: ${s.images} images (${s.imagesNew} new), ${s.labelsAppended} labels recorded, ${s.labelsUnchanged} unchanged (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
        );
        if (s.ignoredColumns.length) console.log(`columns not read: ${s.ignoredColumns.join(', ')}`);
      } finally {
        bar.end();
        await plotTypes.close();
        await hydra.close();
      }
    });

  for (const [name, verb] of [
    ['assign', 'label an image'],
    ['retract', 'withdraw the label of an image'],
  ] as const) {
    labels
      .command(name)
      .description(verb)
      .argument('<image>', 'image id (SHA-256)')
      .argument('<plotType>')
      .argument('<label>')
      .option('--user <name>', 'who')
      .option('--comment <text>')
      .action(async (imageId: string, plotType: string, label: string, raw: unknown) => {
        const a = parseOptions(oneArgs, { imageId, plotType, label });
        const o = parseOptions(oneOptions, raw);
        const hydra = await openHydra(loadConfig(), { producer: 'labels', services: 'find' });
        const plotTypes = await PlotTypeCache.open(hydra.log);
        try {
          const cmd = { ...a, user: o.user ?? defaultUser(), ...(o.comment ? { comment: o.comment } : {}) };
          const deps = { log: hydra.log, plotTypes };
          const metadata = { correlationId: `labels-${name}`, producer: 'cli' };
          const r =
            name === 'assign'
              ? await assignLabel(deps, cmd, { metadata })
              : await retractLabel(deps, cmd, { metadata });
          console.log(
            `${name === 'assign' ? 'labelled' : 'retracted'} ${a.imageId.slice(0, 12)} ${a.label} (seq ${r.seq})`,
          );
        } finally {
          await plotTypes.close();
          await hydra.close();
        }
      });
  }
}
