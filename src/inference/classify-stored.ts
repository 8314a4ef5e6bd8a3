import type { BlobStore } from '../blobs/store.ts';
import type { PlotTypeSpec } from '../events/plottype.ts';
import { preprocessBatch } from '../preprocess/index.ts';
import type { Verdict } from './classify.ts';
import { openModelSession, runModel } from './run-model.ts';

/** What classifying needs of a model: its ONNX blob, labels, thresholds and input size. */
export interface ClassifyingModel {
  readonly onnx: string;
  readonly labels: readonly string[];
  readonly thresholds: Readonly<Record<string, number>>;
  readonly input: { readonly width: number; readonly height: number; readonly channels: number };
}

/** One model session over stored images: classify batch after batch, then release it. */
export interface StoredClassifier {
  /** Each image's verdict by content hash; images that cannot be read or preprocessed are left out. */
  classify(imageIds: readonly string[]): Promise<Map<string, Verdict>>;
  release(): Promise<void>;
}

/**
 * Opens a model over images already in the store, by content hash, the way inference does (the one preprocessing,
 * then `runModel`): what a model that is not active would have said, e.g. the challenger the self-sustaining loop
 * compares with the active one, or a backfill over history. Decoding runs on sharp's thread pool, the model on ONNX
 * Runtime's thread, so the event loop stays free. Throws what ONNX Runtime throws for a model it cannot load.
 */
export async function openStoredClassifier(
  blobs: BlobStore,
  model: ClassifyingModel,
  spec: Pick<PlotTypeSpec, 'masks'>,
  opts: { batchSize?: number } = {},
): Promise<StoredClassifier> {
  const session = await openModelSession(await blobs.get(model.onnx));
  const { width: w, height: h, channels: c } = model.input;
  const step = opts.batchSize ?? 64;
  return {
    async classify(imageIds) {
      const out = new Map<string, Verdict>();
      for (let i = 0; i < imageIds.length; i += step) {
        const ids = imageIds.slice(i, i + step);
        const bytes = await Promise.all(ids.map((id) => blobs.get(id).catch(() => null)));
        const batch = await preprocessBatch(
          bytes.map((b) => b ?? new Uint8Array(0)),
          { width: w, height: h, channels: c as 1 | 3, masks: spec.masks },
        );
        const good = ids.map((_, j) => j).filter((j) => bytes[j] !== null && batch.results[j]!.ok);
        if (good.length === 0) continue;
        const { verdicts } = await runModel(session, model, batch.pixels, good);
        good.forEach((j, n) => out.set(ids[j]!, verdicts[n]!));
      }
      return out;
    },
    release: () => session.release(),
  };
}

/** Runs a model over stored images once (see openStoredClassifier). */
export async function classifyStoredImages(
  blobs: BlobStore,
  model: ClassifyingModel,
  spec: Pick<PlotTypeSpec, 'masks'>,
  imageIds: readonly string[],
  opts: { batchSize?: number } = {},
): Promise<Map<string, Verdict>> {
  const classifier = await openStoredClassifier(blobs, model, spec, opts);
  try {
    return await classifier.classify(imageIds);
  } finally {
    await classifier.release();
  }
}
