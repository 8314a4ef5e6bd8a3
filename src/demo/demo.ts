import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hydra } from '../context.ts';
import { readItem } from '../events/log.ts';
import { generateDataset, startSimulation } from '../../fixtures/generator/index.ts';
import { parsePlotTypesYaml } from '../plottypes/apply.ts';
import { applyPlotTypes } from '../plottypes/commands.ts';
import { importLabels } from '../labels/import.ts';
import { readModels, signOffModel, activateModel } from '../registry/registry.ts';
import { requestTraining } from '../training/request.ts';
import { openIngestor, ingestDirs } from '../workers/ingest.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEMO_PLOT_TYPES = path.resolve(here, '../../fixtures/data/plot-types.yaml');
const DEMO_USER = 'demo';
const meta = { correlationId: 'demo', producer: 'demo', user: DEMO_USER };

export interface DemoOptions {
  readonly interval: number;
  readonly run: number;
  readonly perClass: number;
}

/**
 * What `hydra up --demo` adds to a running Hydra: the generator's plot types, a labelled sample and a
 * trained, signed-off model for every plot type that has none yet, and a simulated run dropping plots
 * into the inbox every few seconds, with an FCAL crate that dies at chunk 6 and stays dead.
 */
export async function startDemo(
  hydra: Hydra,
  say: (l: string) => void,
  opts: DemoOptions,
): Promise<{ stop(): Promise<void> }> {
  const specs = parsePlotTypesYaml(await readFile(DEMO_PLOT_TYPES, 'utf8'), DEMO_PLOT_TYPES);
  const changes = await applyPlotTypes(hydra.log, specs, meta);
  say(
    `demo: plot types ${changes.map((c) => `${c.kind === 'unchanged' ? c.name : c.spec.name} (${c.kind})`).join(', ')}`,
  );

  // Models come from the real path: labels → training worker → sign-off → activation.
  const sub = hydra.nc.subscribe(hydra.log.names.filter('training.completed'), {
    callback: (_e, msg) => {
      const item = readItem(msg.data, 0, msg.subject);
      if (!item.ok || item.event.type !== 'training.completed' || item.event.data.trainingId.indexOf('demo') < 0)
        return;
      const d = item.event.data;
      void (async () => {
        await signOffModel(
          hydra.log,
          {
            modelId: d.modelId,
            user: DEMO_USER,
            comment: `demo: validation accuracy ${(d.evaluation.accuracy * 100).toFixed(1)} %`,
          },
          meta,
        );
        await activateModel(hydra.log, { modelId: d.modelId, user: DEMO_USER, override: false, admins: [] }, meta);
        say(
          `demo: ${d.plotType}: model ${d.modelId} signed off and active (validation accuracy ${(d.evaluation.accuracy * 100).toFixed(1)} %)`,
        );
      })().catch((err: unknown) => say(`demo: could not activate ${d.modelId}: ${(err as Error).message}`));
    },
  });

  const models = await readModels(hydra.log);
  const withModel = new Set([...models.values()].filter((m) => m.status === 'active').map((m) => m.plotType));
  const missing = specs.filter((s) => !withModel.has(s.name)).map((s) => s.name);
  if (missing.length) {
    const labelled = path.join(hydra.config.HYDRA_VAR_DIR, 'demo', 'labelled');
    const manifest = path.join(labelled, 'manifest.csv');
    if (!(await stat(manifest).catch(() => null))) {
      say(`demo: generating ${opts.perClass} labelled plots per class for ${missing.length} plot types...`);
      await generateDataset({
        outDir: labelled,
        perClass: opts.perClass,
        seed: 7,
        width: 400,
        height: 300,
        severity: 'gross',
        plotTypes: missing,
        labels: ['Good', 'Bad'],
      });
    }
    const { ingestor, registry } = await openIngestor(hydra, 'demo');
    try {
      const summary = await importLabels(
        { log: hydra.log, plotTypes: registry, ingestor, pool: hydra.database.pool },
        manifest,
        { user: DEMO_USER, metadata: meta },
      );
      say(`demo: labels imported (${JSON.stringify(summary)})`);
      for (const plotType of missing) {
        const r = await requestTraining(
          hydra.log,
          registry,
          {
            plotType,
            parameters: { epochs: 30, patience: 10, batchSize: 16 },
            reason: 'demo: first model',
            requester: DEMO_USER,
            trainingId: `demo-${plotType}-${Date.now().toString(36)}`,
          },
          { producer: 'demo', user: DEMO_USER },
        );
        say(`demo: training requested for ${plotType} (${r.trainingId})`);
      }
    } finally {
      await registry.close();
    }
  }

  const dirs = ingestDirs(hydra.config);
  const sim = startSimulation({
    inbox: dirs.inbox,
    run: opts.run,
    chunks: 100_000,
    interval: opts.interval,
    width: 800,
    height: 600,
    fail: [{ plotType: 'FCAL_occupancy', mode: 'dead_crate', chunk: 6, severity: 1 }],
  });
  say(
    `demo: simulating run ${opts.run} into ${dirs.inbox}: a chunk every ${opts.interval}s, FCAL crate dies at chunk 6`,
  );
  return {
    async stop() {
      sim.stop();
      await sim.done.catch(() => undefined);
      sub.unsubscribe();
    },
  };
}
