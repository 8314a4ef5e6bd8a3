import sharp from 'sharp';

/**
 * Plot-like PNGs for page tests and screenshots: a ring of detector occupancy in a rainbow palette on a
 * white canvas with axes; a Bad one has a dead sector. And the matching heatmap overlay (RGBA).
 */
function rainbow(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, v));
  const r = Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * x - 3))));
  const g = Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * x - 2))));
  const b = Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * x - 1))));
  return [r, g, b];
}

export async function plotPng(
  seed: number,
  opts: { bad?: boolean; width?: number; height?: number } = {},
): Promise<Buffer> {
  const w = opts.width ?? 400;
  const h = opts.height ?? 300;
  const px = Buffer.alloc(w * h * 3, 255);
  let s = (seed * 2654435761) >>> 0;
  const rnd = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const cx = w / 2;
  const cy = h / 2;
  const r0 = Math.min(w, h) * (0.25 + 0.05 * ((seed % 5) / 5));
  for (let y = 20; y < h - 25; y++) {
    for (let x = 30; x < w - 10; x++) {
      const dx = x - cx;
      const dy = y - cy;
      const r = Math.hypot(dx, dy);
      const ring = Math.exp(-((r - r0) ** 2) / (2 * (r0 * 0.22) ** 2));
      if (ring < 0.05) continue;
      const angle = Math.atan2(dy, dx);
      if (opts.bad && angle > 0.3 && angle < 1.3) continue;
      const [cr, cg, cb] = rainbow(ring * (0.75 + 0.35 * rnd()));
      const i = (y * w + x) * 3;
      px[i] = cr;
      px[i + 1] = cg;
      px[i + 2] = cb;
    }
  }
  for (let x = 30; x < w - 10; x++) px.fill(0, ((h - 25) * w + x) * 3, ((h - 25) * w + x) * 3 + 3);
  for (let y = 20; y < h - 25; y++) px.fill(0, (y * w + 30) * 3, (y * w + 30) * 3 + 3);
  return sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

/** A class-activation overlay brightest over the dead sector of a Bad plot. */
export async function heatmapPng(width = 160, height = 120): Promise<Buffer> {
  const px = Buffer.alloc(width * height * 4, 0);
  const hx = width * 0.62;
  const hy = height * 0.72;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.exp(-(((x - hx) / (width * 0.14)) ** 2 + ((y - hy) / (height * 0.16)) ** 2));
      const i = (y * width + x) * 4;
      px[i] = 255;
      px[i + 1] = Math.round(230 * (1 - v));
      px[i + 2] = 0;
      px[i + 3] = Math.round(220 * v);
    }
  }
  return sharp(px, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}
