import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'mysql2/promise';
import { Kvm } from '@nats-io/kv';
import type { BenchResult } from './run.ts';
import { ev, fold, insert, plotName, sha, spec, withoutIndexes } from './seed.ts';
import { openBenchEnv } from './support.ts';
import { BlobStore } from '../src/blobs/store.ts';
import type { HydraEvent } from '../src/events/catalog.ts';
import { buildApp } from '../src/http/app.ts';
import { erase } from '../src/projections/runtime/projection.ts';
import { verdictsProjection } from '../src/projections/verdicts/projection.ts';
import { plotStatusProjection } from '../src/projections/plot-status/projection.ts';
import { scoreHistoryProjection } from '../src/projections/score-history/projection.ts';
import { runsProjection } from '../src/projections/runs/projection.ts';
import { dailyCountsProjection } from '../src/projections/daily-counts/projection.ts';
import { alarmsProjection } from '../src/projections/alarms/projection.ts';

const PLOTS = 81;
const DAYS = Number(process.env.BENCH_HTTP_DAYS ?? 365);
/** One image per plot type every 15 minutes, around the clock: 2.8 million verdicts a year (JLab's Hydra analysed 2 million in all). */
const STEP_MS = 15 * 60_000;
const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);

interface AutocannonResult {
  latency: { p50: number; p99: number; average: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
}
const AUTOCANNON = path.join(
  path.dirname(createRequire(import.meta.url).resolve('autocannon/package.json')),
  'autocannon.js',
);
/** autocannon in its own process, so the load it makes does not share the server's event loop. */
async function autocannon(o: { url: string; connections: number; duration: number }): Promise<AutocannonResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [AUTOCANNON, '-j', '-c', String(o.connections), '-d', String(o.duration), o.url],
    { maxBuffer: 64 * 2 ** 20 },
  );
  return JSON.parse(stdout) as AutocannonResult;
}

/** The facts about one image: its arrival and its verdict (Bad in rare episodes, Unconfirmed now and then). */
function imageEvents(p: number, t: number): [HydraEvent, HydraEvent] {
  const plotType = plotName(p);
  const imageId = sha(`${p}:${t}`);
  const hour = Math.floor(t / 3600_000);
  const episode = (hour * 31 + p * 17) % 997 < 6;
  const wobble = (((t / STEP_MS) * 7919 + p * 104729) % 101) / 101;
  const bad = episode ? 0.8 + 0.19 * wobble : 0.02 + 0.1 * wobble;
  const confirmed = wobble > 0.04;
  const run = 100_000 + (Math.floor(t / (2 * 3600_000)) % 900_000);
  const arrivedAt = new Date(t).toISOString();
  const arrived = ev(
    'image.arrived',
    {
      arrivalId: imageId,
      imageId,
      plotType,
      run,
      chunk: Math.floor((t % (2 * 3600_000)) / STEP_MS),
      pad: 1,
      arrivedAt,
      width: 1600,
      height: 1200,
      bytes: 90_000,
      source: `${plotType}.png`,
    },
    arrivedAt,
    imageId,
  );
  const scores = { Good: +(1 - bad).toFixed(3), Bad: +bad.toFixed(3), NoData: 0 };
  const verdict = ev(
    'inference.completed',
    {
      arrivalId: imageId,
      imageId,
      plotType,
      modelId: `${plotType}-m1`,
      scores,
      verdict: bad > 0.5 ? 'Bad' : 'Good',
      confidence: Math.max(bad, 1 - bad),
      confirmed,
      timings: { queueMs: 2, preprocessMs: 6, modelMs: 20 },
      heatmap: bad > 0.5 ? sha(`heat${p}`) : undefined,
    },
    new Date(t + 800).toISOString(),
    imageId,
  );
  return [arrived, verdict];
}

/** A year of history for 81 plot types, written with the projections' own evolve and bulk inserts, a day at a time. */
async function history(pool: Pool, now: number): Promise<{ verdicts: number; hours: number }> {
  const [verdicts, status, hourly, runs, daily, alarms] = [
    verdictsProjection,
    plotStatusProjection,
    scoreHistoryProjection,
    runsProjection,
    dailyCountsProjection,
    alarmsProjection,
  ].map((p) => erase(p as never));
  const statusRows = new Map<string, Record<string, unknown>>();
  const runRows = new Map<string, Record<string, unknown>>();
  for (let p = 0; p < PLOTS; p++)
    fold(
      status!,
      statusRows,
      ev('plottype.defined', spec(p), new Date(now - DAYS * 86400_000).toISOString(), plotName(p)),
    );
  const start = Math.floor((now - DAYS * 86400_000) / STEP_MS) * STEP_MS;
  let n = 0;
  let hours = 0;
  let pending: Promise<void> = Promise.resolve();
  for (let day = start; day < now; day += 86400_000) {
    const v = new Map<string, Record<string, unknown>>();
    const h = new Map<string, Record<string, unknown>>();
    const d = new Map<string, Record<string, unknown>>();
    for (let t = day; t < Math.min(day + 86400_000, now); t += STEP_MS) {
      for (let p = 0; p < PLOTS; p++) {
        const [arrived, verdict] = imageEvents(p, t);
        fold(verdicts!, v, arrived);
        fold(verdicts!, v, verdict);
        fold(hourly!, h, verdict);
        fold(runs!, runRows, arrived);
        fold(daily!, d, arrived);
        if (now - t < 86400_000) {
          fold(status!, statusRows, arrived);
          fold(status!, statusRows, verdict);
        }
        n++;
      }
    }
    hours += h.size;
    // One day inserting while the next is generated: both cores busy.
    await pending;
    pending = Promise.all([insert(pool, verdicts!, v), insert(pool, hourly!, h), insert(pool, daily!, d)]).then(
      () => undefined,
    );
  }
  await pending;
  const alarmRows = new Map<string, Record<string, unknown>>();
  fold(
    alarms!,
    alarmRows,
    ev(
      'alarm.raised',
      {
        alarmId: 'bench-1',
        plotType: plotName(3),
        detector: 'BCAL',
        run: 100001,
        label: 'Bad',
        confidence: 0.9,
        firstImageId: sha('x'),
        imageIds: [sha('x')],
        raisedAt: new Date(now - 3600_000).toISOString(),
      },
      new Date(now).toISOString(),
      plotName(3),
    ),
  );
  await Promise.all([
    insert(pool, status!, statusRows),
    insert(pool, runs!, runRows),
    insert(pool, alarms!, alarmRows),
  ]);
  return { verdicts: n, hours };
}

async function median(url: string, times = 7): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    ms.push(performance.now() - t0);
  }
  return +ms.sort((a, b) => a - b)[Math.floor(times / 2)]!.toFixed(1);
}

async function load(url: string): Promise<AutocannonResult> {
  await autocannon({ url, connections: CONNECTIONS, duration: 2 });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
  if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return r;
}

/** The Run page at 50 concurrent viewers against a static file of the same size from the same server. */
export default async function bench(): Promise<BenchResult> {
  const env = await openBenchEnv('http');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hydra-bench-http-'));
  try {
    const now = Date.now();
    const t0 = performance.now();
    const made = await withoutIndexes(env.database.pool, ['verdicts', 'score_hourly'], () =>
      history(env.database.pool, now),
    );
    console.error(
      `wrote ${made.verdicts.toLocaleString()} verdicts (${DAYS} days, ${PLOTS} plot types) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    const log = await env.openLog();
    const deps = {
      // Prometheus-style scraping of /metrics from this machine, as a site would configure it.
      config: { ...env.config, HYDRA_METRICS_FROM: '127.0.0.1, ::1' },
      db: env.database.db,
      log,
      blobs: await BlobStore.open(env.nc, log.names.blobBucket),
      status: await new Kvm(env.nc).create(log.names.statusBucket, { history: 1 }),
      expectedRoles: () => [],
      clock: Date.now,
    };
    const app = await buildApp({ deps, assets: { extra: [{ prefix: '/bench-static/', root: dir }] } });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const page = await (await fetch(`${base}/`)).text();
    await writeFile(path.join(dir, 'same-size.html'), 'x'.repeat(Buffer.byteLength(page)));
    const staticR = await load(`${base}/bench-static/same-size.html`);
    const runR = await load(`${base}/`);
    const single = {
      log_24h_ms: await median(`${base}/log`),
      log_30d_ms: await median(`${base}/log?hours=720`),
      timeline_24h_ms: await median(`${base}/timeline?plot=${plotName(3)}&span=24h`),
      timeline_1y_ms: await median(`${base}/timeline?plot=${plotName(3)}&span=1y`),
      status_ms: await median(`${base}/status`),
      metrics_ms: await median(`${base}/metrics`),
    };
    await app.close();
    // The same page with no reuse of the rendered page between requests (concurrent ones still share one build).
    const uncached = await buildApp({ deps, live: { cacheMs: 0 } });
    const base2 = await uncached.listen({ port: 0, host: '127.0.0.1' });
    const uncachedR = await load(`${base2}/`);
    await uncached.close();
    const figures = {
      plot_types: PLOTS,
      days: DAYS,
      verdict_rows: made.verdicts,
      score_hourly_rows: made.hours,
      connections: CONNECTIONS,
      seconds: SECONDS,
      run_page_bytes: Buffer.byteLength(page),
      run_page_p99_ms: runR.latency.p99,
      run_page_p50_ms: runR.latency.p50,
      run_page_rps: Math.round(runR.requests.average),
      static_p99_ms: staticR.latency.p99,
      static_p50_ms: staticR.latency.p50,
      static_rps: Math.round(staticR.requests.average),
      run_page_uncached_p99_ms: uncachedR.latency.p99,
      run_page_uncached_rps: Math.round(uncachedR.requests.average),
      ...single,
    };
    return {
      figures,
      ratios: {
        run_page_vs_static: +(runR.latency.p99 / Math.max(1, staticR.latency.p99)).toFixed(2),
        run_page_uncached_vs_static: +(uncachedR.latency.p99 / Math.max(1, staticR.latency.p99)).toFixed(2),
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await env.cleanup();
  }
}
