import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Objm } from '@nats-io/obj';
import type { BenchResult } from './run.ts';
import { cpuMeter, openBenchEnv, rate } from './support.ts';
import { tempDirs } from '../test/support/ingest.ts';
import { plotTypeSpecs, PLOT_TYPES, renderPlot } from '../fixtures/generator/index.ts';
import { BlobStore } from '../src/blobs/store.ts';
import { PlotTypeCache } from '../src/plottypes/cache.ts';
import { Ingestor } from '../src/ingest/ingest.ts';
import { Feeder } from '../src/ingest/feeder.ts';

const N = Number(process.env.BENCH_INGEST_N ?? 480);
const CONCURRENCY = 16;
const meta = { correlationId: 'bench', producer: 'bench-ingest' };

/** Inbox → image.arrived for 800x600 plots, against bare object-store puts of the same files. */
export default async function bench(): Promise<BenchResult> {
  const env = await openBenchEnv('ingest');
  const dirs = await tempDirs('bench-ingest');
  try {
    // The plots, made once and copied into each inbox.
    const source = path.join(dirs.root, 'source');
    await mkdir(source, { recursive: true });
    const t = performance.now();
    for (let i = 0; i < N; i++) {
      const pt = PLOT_TYPES[i % PLOT_TYPES.length]!;
      const { png } = await renderPlot({
        plotType: pt.name,
        label: 'Good',
        seed: i,
        width: 800,
        height: 600,
        run: 101072,
        chunk: Math.floor(i / PLOT_TYPES.length),
      });
      await writeFile(
        path.join(source, `${pt.name}-01_${String(Math.floor(i / PLOT_TYPES.length)).padStart(4, '0')}.png`),
        png,
      );
    }
    console.error(`made ${N} plots at 800x600 in ${((performance.now() - t) / 1000).toFixed(1)}s`);
    const files = await readdir(source);
    const bytes = await Promise.all(files.map((f) => readFile(path.join(source, f))));
    const totalMB = bytes.reduce((a, b) => a + b.length, 0) / 2 ** 20;

    // Bare: read each file and put it in an object store, same concurrency, nothing else.
    const bareBucket = await new Objm(env.nc).create(
      `${env.config.HYDRA_NAMESPACE.toUpperCase().replace(/-/g, '_')}_BARE`,
    );
    let cpu = cpuMeter();
    let t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < files.length) {
          const i = next++;
          const b = await readFile(path.join(source, files[i]!));
          await bareBucket.putBlob({ name: `f${i}` }, b);
        }
      }),
    );
    const bareMs = performance.now() - t0;
    const bareCpu = cpu();

    // Hydra: the feeder on an inbox holding the same files.
    const log = await env.openLog();
    await log.appendMany(plotTypeSpecs().map((s) => ({ type: 'plottype.defined', metadata: meta, data: s }) as const));
    const plotTypes = await PlotTypeCache.open(log);
    const ingestor = new Ingestor(
      log,
      await BlobStore.open(env.nc, log.names.blobBucket),
      plotTypes,
      dirs,
      { maxBytes: 20_000_000, maxPixels: 40_000_000 },
      meta,
    );
    const runDir = path.join(dirs.inbox, 'run-101072');
    await mkdir(runDir, { recursive: true });
    await Promise.all(files.map((f, i) => writeFile(path.join(runDir, f), bytes[i]!)));
    const feeder = new Feeder(ingestor, {
      inbox: dirs.inbox,
      graceMs: 10_000,
      settleMs: 0,
      concurrency: CONCURRENCY,
      after: 'delete',
      archiveDir: dirs.archive,
    });
    cpu = cpuMeter();
    t0 = performance.now();
    feeder.start();
    while (feeder.stats.arrived < N) await new Promise((r) => setTimeout(r, 5));
    const ingestMs = performance.now() - t0;
    const ingestCpu = cpu();
    await feeder.stop();
    await plotTypes.close();

    const figures = {
      images: N,
      size: '800x600',
      megabytes: +totalMB.toFixed(1),
      img_per_s: rate(N, ingestMs),
      bare_put_img_per_s: rate(N, bareMs),
      concurrency: CONCURRENCY,
      bare_process_cpu_ms: bareCpu.processMs,
      bare_machine_busy_pct: bareCpu.machineBusyPct,
      process_cpu_ms: ingestCpu.processMs,
      machine_busy_pct: ingestCpu.machineBusyPct,
    };
    return { figures, ratios: { ingest_vs_put: +(figures.img_per_s / figures.bare_put_img_per_s).toFixed(3) } };
  } finally {
    await env.cleanup();
  }
}
