import sharp from 'sharp';
import { prng } from './split.ts';

/**
 * Small synthetic detector-occupancy plots for the trainer's tests and benchmark (the fixtures
 * generator makes the realistic ones): a white canvas with a framed grid of cells whose colour follows a
 * smooth occupancy with noise. 'Bad' plots have a dead rectangle of cells drawn empty (white), at a
 * random place, like a detector region that stopped reading out.
 */

export interface SyntheticPlot {
  readonly png: Buffer;
  readonly label: 'Good' | 'Bad';
  /** The dead region in source pixels (Bad only). */
  readonly dead?: { x: number; y: number; width: number; height: number };
}

export interface SyntheticOptions {
  readonly width?: number;
  readonly height?: number;
  readonly cellsX?: number;
  readonly cellsY?: number;
}

/** Blue-to-red colour scale of ROOT's default palette, roughly; v in [0, 1]. */
function palette(v: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, v));
  return [Math.round(40 + 215 * t), Math.round(60 + 160 * Math.sin(Math.PI * t)), Math.round(230 * (1 - t) + 20)];
}

export async function syntheticPlot(
  seed: number,
  label: 'Good' | 'Bad',
  opts: SyntheticOptions = {},
): Promise<SyntheticPlot> {
  const W = opts.width ?? 240,
    H = opts.height ?? 180,
    nx = opts.cellsX ?? 24,
    ny = opts.cellsY ?? 18;
  const rand = prng(seed);
  const px = new Uint8Array(W * H * 3).fill(255);
  // Plot area inside a margin, like a ROOT pad's frame.
  const x0 = Math.round(W * 0.1),
    y0 = Math.round(H * 0.08),
    x1 = Math.round(W * 0.95),
    y1 = Math.round(H * 0.88);
  const cw = (x1 - x0) / nx,
    ch = (y1 - y0) / ny;
  const phase = rand() * Math.PI * 2,
    tilt = 0.3 + rand() * 0.4;
  let dead: { cx: number; cy: number; w: number; h: number } | undefined;
  if (label === 'Bad') {
    const w = 4 + Math.floor(rand() * 4),
      h = 4 + Math.floor(rand() * 4);
    dead = { cx: Math.floor(rand() * (nx - w + 1)), cy: Math.floor(rand() * (ny - h + 1)), w, h };
  }
  for (let cy = 0; cy < ny; cy++) {
    for (let cx = 0; cx < nx; cx++) {
      if (dead && cx >= dead.cx && cx < dead.cx + dead.w && cy >= dead.cy && cy < dead.cy + dead.h) continue;
      const v = 0.5 + 0.35 * Math.sin(phase + cx * tilt * 0.5 + cy * 0.3) + (rand() - 0.5) * 0.3;
      const [r, g, b] = palette(v);
      for (let y = Math.round(y0 + cy * ch); y < Math.round(y0 + (cy + 1) * ch); y++) {
        for (let x = Math.round(x0 + cx * cw); x < Math.round(x0 + (cx + 1) * cw); x++) {
          const i = (y * W + x) * 3;
          px[i] = r;
          px[i + 1] = g;
          px[i + 2] = b;
        }
      }
    }
  }
  // Frame and a few axis ticks in black.
  const dot = (x: number, y: number): void => {
    const i = (y * W + x) * 3;
    px[i] = 0;
    px[i + 1] = 0;
    px[i + 2] = 0;
  };
  for (let x = x0 - 1; x <= x1; x++) {
    dot(x, y0 - 1);
    dot(x, y1);
  }
  for (let y = y0 - 1; y <= y1; y++) {
    dot(x0 - 1, y);
    dot(x1, y);
  }
  for (let k = 0; k <= 4; k++) {
    const x = Math.round(x0 + (k * (x1 - x0)) / 4),
      y = Math.round(y0 + (k * (y1 - y0)) / 4);
    for (let d = 1; d <= 4; d++) {
      dot(x, y1 + d);
      dot(x0 - 1 - d, y);
    }
  }
  const png = await sharp(px, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();
  return dead
    ? {
        png,
        label,
        dead: {
          x: Math.round(x0 + dead.cx * cw),
          y: Math.round(y0 + dead.cy * ch),
          width: Math.round(dead.w * cw),
          height: Math.round(dead.h * ch),
        },
      }
    : { png, label };
}

/** n plots alternating Good and Bad (or with the given fraction of Bad), reproducible from the seed. */
export async function syntheticPlots(
  n: number,
  seed: number,
  opts: SyntheticOptions & { badFraction?: number } = {},
): Promise<SyntheticPlot[]> {
  const pick = prng(seed ^ 0x5bd1e995);
  const out: SyntheticPlot[] = [];
  for (let i = 0; i < n; i++) {
    const bad = opts.badFraction === undefined ? i % 2 === 1 : pick() < opts.badFraction;
    out.push(await syntheticPlot(seed * 100_003 + i, bad ? 'Bad' : 'Good', opts));
  }
  return out;
}
