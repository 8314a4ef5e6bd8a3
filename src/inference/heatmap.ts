import sharp from 'sharp';

/** A perceptual colour ramp (dark blue → cyan → yellow → red), alpha rising with the value. */
function ramp(v: number): [number, number, number, number] {
  const stops: [number, number, number, number][] = [
    [0, 0, 0, 0],
    [0.25, 0, 90, 255],
    [0.5, 0, 220, 220],
    [0.75, 255, 220, 0],
    [1, 255, 30, 0],
  ];
  let i = 0;
  while (i < stops.length - 2 && v > stops[i + 1]![0]) i++;
  const [x0, r0, g0, b0] = stops[i]!;
  const [x1, r1, g1, b1] = stops[i + 1]!;
  const t = Math.min(1, Math.max(0, (v - x0) / (x1 - x0)));
  return [r0 + (r1 - r0) * t, g0 + (g1 - g0) * t, b0 + (b1 - b0) * t, Math.round(255 * Math.min(1, v * 1.2))];
}

/** Min-max normalises one class activation map to 0..1 (a flat map stays 0). */
export function normalise(cam: ArrayLike<number>): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < cam.length; i++) {
    min = Math.min(min, cam[i]!);
    max = Math.max(max, cam[i]!);
  }
  const out = new Float32Array(cam.length);
  const span = max - min;
  if (span <= 1e-9) return out;
  for (let i = 0; i < cam.length; i++) out[i] = (cam[i]! - min) / span;
  return out;
}

/** The cell of the map with the highest value, as (x, y) in map cells. */
export function peak(map: ArrayLike<number>, width: number): { x: number; y: number } {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i]! > map[best]!) best = i;
  return { x: best % width, y: Math.floor(best / width) };
}

/**
 * The overlay's size: the source's aspect, about 2 pixels per map cell. The map is coarse (1/8 of the
 * model input), so more pixels add nothing but encoding time; the browser stretches it smoothly over the image.
 */
export function heatmapSize(
  camWidth: number,
  camHeight: number,
  width: number,
  height: number,
): { width: number; height: number } {
  const scale = Math.min(1, (camWidth * 2) / width, (camHeight * 2) / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Renders a class activation map as a transparent coloured PNG in the source image's proportions, to be
 * laid over it (the pages set its opacity). Smooth upsampling, as the map is coarse.
 */
export async function heatmapPng(
  cam: ArrayLike<number>,
  camWidth: number,
  camHeight: number,
  width: number,
  height: number,
): Promise<Buffer> {
  const norm = normalise(cam);
  const rgba = Buffer.alloc(camWidth * camHeight * 4);
  for (let i = 0; i < norm.length; i++) rgba.set(ramp(norm[i]!), i * 4);
  return sharp(rgba, { raw: { width: camWidth, height: camHeight, channels: 4 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .png({ compressionLevel: 6 })
    .toBuffer();
}
