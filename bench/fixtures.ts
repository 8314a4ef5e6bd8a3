import { createCanvas } from '@napi-rs/canvas';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PLOT_TYPES, drawPlot, generateDataset } from '../fixtures/generator/index.ts';
import { encodePng } from '../fixtures/generator/encode.ts';
import type { BenchResult } from './run.ts';

/**
 * The plot generator's speed: images/s (draw + PNG encode, every plot type and label in turn) at the
 * online-monitoring canvas size 1600x1200 and at 800x600, against a bare canvas of the same size that is
 * only filled and encoded (by skia, and by the encoder we use). Encodes run on libuv's pool while the
 * next plot is drawn, as generateDataset does; the disk-writing dataset rate is reported too. draw_ms
 * is the main thread's time per image (model, drawing, rasterising), the encode is not in it.
 */
const jobs = PLOT_TYPES.flatMap((p) => p.labels.map((l) => ({ plotType: p.name, label: l.name })));

async function rate(width: number, height: number, n: number): Promise<{ perS: number; drawMs: number }> {
  const inFlight = new Set<Promise<unknown>>();
  let drawMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const j = jobs[i % jobs.length]!;
    const d0 = performance.now();
    const { drawn } = drawPlot({ ...j, seed: i, width, height, severity: (i % 10) / 10 });
    // Skia records drawing and rasterises when the pixels are read, which encodePng does before it returns.
    const encoding = encodePng(drawn.canvas);
    drawMs += performance.now() - d0;
    const p: Promise<unknown> = encoding.finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { perS: n / ((performance.now() - t0) / 1000), drawMs: drawMs / n };
}

async function bare(width: number, height: number, n: number, encoder: 'skia' | 'ours'): Promise<number> {
  const c = createCanvas(width, height);
  const ctx = c.getContext('2d');
  const inFlight = new Set<Promise<unknown>>();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    ctx.fillStyle = i % 2 ? '#ffffff' : '#fefefe';
    ctx.fillRect(0, 0, width, height);
    if (encoder === 'skia') {
      c.encodeSync('png');
      continue;
    }
    const p: Promise<unknown> = encodePng(c).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 4) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return n / ((performance.now() - t0) / 1000);
}

export default async function fixturesBench(): Promise<BenchResult> {
  await rate(800, 600, jobs.length); // warm-up: fonts, scratch canvases, JIT
  const small = await rate(800, 600, 6 * jobs.length);
  const big = await rate(1600, 1200, 2 * jobs.length);
  const bareSkia800 = await bare(800, 600, 60, 'skia');
  const bareOurs800 = await bare(800, 600, 60, 'ours');
  const bareSkia1600 = await bare(1600, 1200, 30, 'skia');
  const work = await mkdtemp(path.join(tmpdir(), 'hydra-bench-fixtures-'));
  let dataset = 0;
  try {
    const t0 = performance.now();
    const m = await generateDataset({ outDir: work, perClass: 4, seed: 1, width: 800, height: 600 });
    dataset = m.images.length / ((performance.now() - t0) / 1000);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const r = (x: number): number => Math.round(x * 10) / 10;
  return {
    figures: {
      img_per_s_800x600: r(small.perS),
      img_per_s_1600x1200: r(big.perS),
      draw_ms_800x600: r(small.drawMs),
      draw_ms_1600x1200: r(big.drawMs),
      dataset_to_disk_img_per_s_800x600: r(dataset),
      bare_fill_skia_encode_per_s_800x600: r(bareSkia800),
      bare_fill_our_encode_per_s_800x600: r(bareOurs800),
      bare_fill_skia_encode_per_s_1600x1200: r(bareSkia1600),
    },
    ratios: {
      img_800x600_vs_bare_skia_fill_encode: Math.round((small.perS / bareSkia800) * 100) / 100,
      img_800x600_vs_bare_our_fill_encode: Math.round((small.perS / bareOurs800) * 100) / 100,
      img_1600x1200_vs_bare_skia_fill_encode: Math.round((big.perS / bareSkia1600) * 100) / 100,
      our_encoder_vs_skia_800x600: Math.round((bareOurs800 / bareSkia800) * 100) / 100,
    },
  };
}
