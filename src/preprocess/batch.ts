import {
  BACKGROUND,
  inputSize,
  preprocess,
  preprocessSpecSchema,
  PreprocessError,
  type PreprocessSpec,
} from './preprocess.ts';

export type BatchItemResult =
  | { readonly ok: true; readonly sourceWidth: number; readonly sourceHeight: number }
  | { readonly ok: false; readonly error: PreprocessError };

export interface PreprocessedBatch {
  /** N x C x H x W, row-major; a failed item's slot is background. */
  readonly pixels: Uint8Array;
  readonly results: readonly BatchItemResult[];
}

/**
 * Preprocesses many images into one contiguous buffer (what a model batch or a dataset chunk wants).
 * A bad image does not fail the batch: its result says why and its slot is left blank.
 * `concurrency` bounds how many decodes are in flight (sharp runs them on libuv's thread pool).
 */
export async function preprocessBatch(
  images: readonly Uint8Array[],
  specIn: PreprocessSpec,
  opts: { concurrency?: number } = {},
): Promise<PreprocessedBatch> {
  const spec = preprocessSpecSchema.parse(specIn);
  const size = inputSize(spec);
  const pixels = new Uint8Array(images.length * size).fill(BACKGROUND);
  const results: BatchItemResult[] = new Array(images.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < images.length) {
      const i = next++;
      try {
        const r = await preprocess(images[i]!, spec);
        pixels.set(r.pixels, i * size);
        results[i] = { ok: true, sourceWidth: r.sourceWidth, sourceHeight: r.sourceHeight };
      } catch (err) {
        if (!(err instanceof PreprocessError)) throw err;
        results[i] = { ok: false, error: err };
      }
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 4, images.length));
  await Promise.all(Array.from({ length: n }, worker));
  return { pixels, results };
}

/** Raw 0..255 bytes as the float32 values the model takes (it divides by 255 itself). */
export function toFloat32(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i]!;
  return out;
}
