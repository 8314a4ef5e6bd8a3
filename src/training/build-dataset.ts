import { preprocessBatch, type MaskRect } from '../preprocess/index.ts';
import { DatasetWriter, type DatasetFile, type DatasetHeader, type FinishOptions } from './dataset-file.ts';

/** One labelled image to put in a dataset; load() fetches its bytes (object store, file, memory). */
export interface DatasetSource {
  readonly imageId: string;
  readonly label: string;
  load(): Promise<Uint8Array>;
}

export interface SkippedImage {
  readonly imageId: string;
  readonly code: string;
  readonly reason: string;
}

export interface BuildDatasetOptions extends FinishOptions {
  readonly dir: string;
  readonly header: DatasetHeader;
  /** The plot type's mask regions, in source pixels: blanked exactly as inference blanks them. */
  readonly masks: readonly MaskRect[];
  /** Images loaded and preprocessed per round (memory is chunk x source image size). */
  readonly chunk?: number;
}

/**
 * Preprocesses every labelled image with the shared preprocessing path and writes the dataset file.
 * An image that cannot be loaded or decoded is skipped and reported, not fatal: one corrupt file among
 * thousands should not stop a training run.
 */
export async function buildDataset(
  sources: Iterable<DatasetSource> | AsyncIterable<DatasetSource>,
  opts: BuildDatasetOptions,
): Promise<{ dataset: DatasetFile; skipped: SkippedImage[] }> {
  const writer = await DatasetWriter.create(opts.dir, opts.header);
  const skipped: SkippedImage[] = [];
  const spec = { ...opts.header.input, masks: [...opts.masks] };
  const chunkSize = opts.chunk ?? 32;
  let pending: DatasetSource[] = [];

  const flush = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    const loaded = await Promise.all(
      batch.map((s) =>
        s.load().then(
          (bytes) => ({ bytes }),
          (e: unknown) => ({ error: e as Error }),
        ),
      ),
    );
    const ok = loaded.flatMap((l, i) => ('bytes' in l ? [{ source: batch[i]!, bytes: l.bytes }] : []));
    loaded.forEach((l, i) => {
      if ('error' in l) skipped.push({ imageId: batch[i]!.imageId, code: 'image-missing', reason: l.error.message });
    });
    const result = await preprocessBatch(
      ok.map((o) => o.bytes),
      spec,
    );
    const size = spec.width * spec.height * spec.channels;
    for (let i = 0; i < ok.length; i++) {
      const r = result.results[i]!;
      if (!r.ok) {
        skipped.push({ imageId: ok[i]!.source.imageId, code: r.error.code, reason: r.error.message });
        continue;
      }
      await writer.add(ok[i]!.source.imageId, ok[i]!.source.label, result.pixels.subarray(i * size, (i + 1) * size));
    }
  };

  try {
    for await (const source of sources) {
      pending.push(source);
      if (pending.length >= chunkSize) await flush();
    }
    if (pending.length > 0) await flush();
    return { dataset: await writer.finish(opts), skipped };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
