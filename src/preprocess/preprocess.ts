import sharp, { type Sharp } from 'sharp';
import { z } from 'zod';

/**
 * Hydra's one preprocessing path: image bytes in, model input bytes out. Training (the dataset file the
 * PyTorch trainer reads) and inference (the tensor onnxruntime gets) both call this, so the two can never
 * drift apart. Normalisation (/255) is NOT done here: it is the first operation inside the exported
 * model, so the bytes below, fed as float32 0..255, are exactly what the network sees.
 */

export const maskRectSchema = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type MaskRect = z.infer<typeof maskRectSchema>;

export const preprocessSpecSchema = z.object({
  width: z.number().int().min(1).max(4096),
  height: z.number().int().min(1).max(4096),
  channels: z.union([z.literal(1), z.literal(3)]),
  /** Rectangles in SOURCE image pixels (before resizing) that are blanked. */
  masks: z.array(maskRectSchema).default([]),
});
export type PreprocessSpec = z.input<typeof preprocessSpecSchema>;

export interface Preprocessed {
  /** Channels x height x width, row-major, 0..255. */
  readonly pixels: Uint8Array;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

export type PreprocessErrorCode = 'image-empty' | 'image-undecodable' | 'image-too-large' | 'invalid-spec';

export class PreprocessError extends Error {
  override readonly name = 'PreprocessError';
  constructor(
    readonly code: PreprocessErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The canvas background of the plots (ROOT canvases are white). Masked regions and transparent pixels
 * become this colour: a masked rectangle then looks like empty canvas, something every plot has plenty of
 * and that carries no signal, whereas black or grey would be a new shape the model could learn to
 * react to (or mistake for a dead detector region).
 */
export const BACKGROUND = 255;

/**
 * Fixed resampling: fit 'fill' stretches the whole source onto the model input (a plot type's canvas
 * size is fixed, so the aspect change is the same for every image, and letterbox bars would only waste
 * input pixels). libvips shrinks by box-averaging first, which keeps thin lines and single hot bins
 * visible as fainter pixels instead of dropping them; the mitchell kernel then does the remaining
 * fractional step without the ringing lanczos adds around sharp plot edges.
 */
const RESIZE = { fit: 'fill', kernel: 'mitchell' } as const;

/** Largest decoded source we accept (pixels); guards against decompression bombs. */
const MAX_SOURCE_PIXELS = 64_000_000;

export function inputSize(spec: { width: number; height: number; channels: number }): number {
  return spec.width * spec.height * spec.channels;
}

export async function preprocess(bytes: Uint8Array, specIn: PreprocessSpec): Promise<Preprocessed> {
  const parsed = preprocessSpecSchema.safeParse(specIn);
  if (!parsed.success)
    throw new PreprocessError('invalid-spec', `invalid preprocessing spec: ${parsed.error.message}`, {
      cause: parsed.error,
    });
  const spec = parsed.data;
  if (bytes.length === 0) throw new PreprocessError('image-empty', 'image is empty (0 bytes)');

  // An 8-bit PNG without masks: one libvips pipeline decodes and resizes, the same bytes as the two steps below in
  // about half the time (no source-sized raw image written out and read back). Masks need the decoded pixels, and
  // a 16-bit source would be resized before its cut to 8 bits (values off by one or two).
  const png = eightBitPngSize(bytes);
  if (png && spec.masks.length === 0) return decodeResized(bytes, spec, png);
  const source = await decode(bytes, spec.channels);
  for (const m of spec.masks) blank(source.data, source.width, source.height, spec.channels, m);

  let out: Buffer;
  try {
    // libvips writes a one-band raw input back out as sRGB unless told to stay grey.
    const resized = sharp(source.data, {
      raw: { width: source.width, height: source.height, channels: spec.channels },
    }).resize(spec.width, spec.height, RESIZE);
    const { data, info } = await (spec.channels === 1 ? resized.toColourspace('b-w') : resized)
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== spec.channels)
      throw new Error(`resized to ${info.channels} channels, expected ${spec.channels}`);
    out = data;
  } catch (cause) {
    throw new PreprocessError('image-undecodable', `resizing failed: ${(cause as Error).message}`, { cause });
  }
  return {
    pixels: toPlanar(out, spec.width, spec.height, spec.channels),
    sourceWidth: source.width,
    sourceHeight: source.height,
  };
}

/** The source pipeline of `decode` with the resize in it: flatten, colour or grey, then resize, in one pass. */
function sourcePipeline(bytes: Uint8Array, channels: 1 | 3): Sharp {
  // failOn 'truncated': a half-written file (the feeder can see one) is an error, while harmless
  // warnings such as an odd colour profile chunk are not.
  const pipeline = sharp(bytes, { failOn: 'truncated', limitInputPixels: MAX_SOURCE_PIXELS }).flatten({
    background: '#ffffff',
  });
  return channels === 1 ? pipeline.greyscale() : pipeline.toColourspace('srgb');
}

function decodeError(cause: unknown): PreprocessError {
  const message = (cause as Error).message;
  const code = /pixel limit/i.test(message) ? 'image-too-large' : 'image-undecodable';
  return new PreprocessError(code, `cannot decode image: ${message}`, { cause });
}

async function decodeResized(
  bytes: Uint8Array,
  spec: z.output<typeof preprocessSpecSchema>,
  source: { width: number; height: number },
): Promise<Preprocessed> {
  try {
    const { data, info } = await sourcePipeline(bytes, spec.channels)
      .resize(spec.width, spec.height, RESIZE)
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== spec.channels)
      throw new Error(`decoded to ${info.channels} channels, expected ${spec.channels}`);
    return {
      pixels: toPlanar(data, spec.width, spec.height, spec.channels),
      sourceWidth: source.width,
      sourceHeight: source.height,
    };
  } catch (cause) {
    throw decodeError(cause);
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The size a PNG's IHDR declares when its samples are at most 8 bits; null for anything else (libvips judges it). */
function eightBitPngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 33 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 33);
  if (v.getUint32(8) !== 13 || v.getUint32(12) !== 0x49484452 || v.getUint8(24) > 8) return null;
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** Decodes to interleaved raw pixels at source size: alpha flattened onto white, 1 or 3 channels. */
async function decode(bytes: Uint8Array, channels: 1 | 3): Promise<{ data: Buffer; width: number; height: number }> {
  try {
    const { data, info } = await sourcePipeline(bytes, channels).raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) throw new Error(`decoded to ${info.channels} channels, expected ${channels}`);
    return { data, width: info.width, height: info.height };
  } catch (cause) {
    throw decodeError(cause);
  }
}

/** Fills a rectangle (clipped to the image) of an interleaved raw image with the background colour. */
export function blank(data: Uint8Array, width: number, height: number, channels: number, m: MaskRect): void {
  const x0 = Math.min(m.x, width),
    x1 = Math.min(m.x + m.width, width);
  const y0 = Math.min(m.y, height),
    y1 = Math.min(m.y + m.height, height);
  if (x1 <= x0 || y1 <= y0) return;
  for (let y = y0; y < y1; y++) data.fill(BACKGROUND, (y * width + x0) * channels, (y * width + x1) * channels);
}

/** Interleaved HWC to planar CHW (what the network's first convolution expects). */
export function toPlanar(hwc: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  if (channels === 1) {
    out.set(hwc);
    return out;
  }
  const plane = width * height;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < channels; c++) out[c * plane + i] = hwc[i * channels + c]!;
  }
  return out;
}
