import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PLOT_TYPES } from '../fixtures/generator/index.ts';
import { readItem } from '../src/events/log.ts';
import { namesFor } from '../src/events/subjects.ts';
import type { BenchResult } from './run.ts';
import { openBenchEnv } from './support.ts';

/**
 * The demo's first minutes, as a new user sees them: `hydra up --demo` in a fresh var/ directory with its
 * own namespace and database, timed from the command to the first verdict (inference.completed), to every
 * demo plot type having an active model (model.activated), and to the alarm on the FCAL crate that dies at
 * chunk 6 (alarm.raised for FCAL_occupancy), read from the stream as they are appended.
 *   npm run bench -- demo      (HYDRA_DEMO_TIMEOUT_S, default 900)
 */
const envSchema = z.object({
  HYDRA_DEMO_TIMEOUT_S: z.coerce.number().positive().default(900),
  HYDRA_DEMO_INTERVAL_S: z.coerce.number().positive().default(10),
});

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default async function demoBench(): Promise<BenchResult> {
  const env = envSchema.parse(process.env);
  const bench = await openBenchEnv('demo');
  const varDir = await mkdtemp(path.join(tmpdir(), 'hydra-bench-demo-'));
  const names = namesFor(bench.config.HYDRA_NAMESPACE);
  const t0 = performance.now();
  const at = (): number => Math.round((performance.now() - t0) / 100) / 10;
  const seen: { first_verdict_s?: number; all_models_s?: number; alarm_s?: number; simulation_s?: number } = {};
  const active = new Set<string>();
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin/hydra.js'), 'up', '--demo', '--interval', String(env.HYDRA_DEMO_INTERVAL_S)],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HYDRA_VAR_DIR: varDir,
        HYDRA_INBOX: path.join(varDir, 'inbox'),
        HYDRA_NAMESPACE: bench.config.HYDRA_NAMESPACE,
        DATABASE_URL: bench.config.DATABASE_URL,
        NATS_URL: bench.config.NATS_URL,
        HYDRA_HTTP_PORT: '0',
      },
    },
  );
  for (const s of [child.stdout, child.stderr])
    createInterface({ input: s }).on('line', (line) => {
      if (/demo:|error|warn/i.test(line)) console.error(`[${at().toFixed(1)} s] ${line}`);
      if (seen.simulation_s === undefined && /demo: simulating run/.test(line)) seen.simulation_s = at();
    });
  const done = new Promise<void>((resolve) => {
    const sub = bench.nc.subscribe(names.all, {
      callback: (_e, msg) => {
        const item = readItem(msg.data, 0, msg.subject);
        if (!item.ok) return;
        const e = item.event;
        if (e.type === 'inference.completed' && seen.first_verdict_s === undefined) seen.first_verdict_s = at();
        if (e.type === 'model.activated') {
          active.add(e.data.plotType);
          if (active.size === PLOT_TYPES.length && seen.all_models_s === undefined) seen.all_models_s = at();
        }
        if (e.type === 'alarm.raised' && e.data.plotType === 'FCAL_occupancy' && seen.alarm_s === undefined)
          seen.alarm_s = at();
        if (seen.first_verdict_s !== undefined && seen.all_models_s !== undefined && seen.alarm_s !== undefined) {
          sub.unsubscribe();
          resolve();
        }
      },
    });
    setTimeout(() => {
      sub.unsubscribe();
      resolve();
    }, env.HYDRA_DEMO_TIMEOUT_S * 1000).unref();
  });
  try {
    await done;
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('close', r));
    await bench.cleanup();
    await rm(varDir, { recursive: true, force: true });
  }
  const chunkOfAlarm =
    seen.alarm_s !== undefined && seen.simulation_s !== undefined
      ? Math.floor((seen.alarm_s - seen.simulation_s) / env.HYDRA_DEMO_INTERVAL_S)
      : Number.NaN;
  return {
    figures: {
      first_verdict_s: seen.first_verdict_s ?? Number.NaN,
      all_models_s: seen.all_models_s ?? Number.NaN,
      alarm_s: seen.alarm_s ?? Number.NaN,
      models_active: active.size,
      simulation_started_s: seen.simulation_s ?? Number.NaN,
      alarm_chunk_estimate: chunkOfAlarm,
      interval_s: env.HYDRA_DEMO_INTERVAL_S,
      timeout_s: env.HYDRA_DEMO_TIMEOUT_S,
    },
    ratios: {},
  };
}
