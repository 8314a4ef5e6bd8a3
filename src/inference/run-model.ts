import * as ort from 'onnxruntime-node';
import { toFloat32 } from '../preprocess/index.ts';
import { decide, softmax, type Verdict } from './classify.ts';

/**
 * Every session that classifies (inference, the loop's challenger) is opened this way: fully optimised, on one
 * intra-op thread that sleeps when idle. A model of Hydra's size gains nothing from a second thread (on two
 * cores a batch of 16 took 25 ms with ONNX Runtime's default of one per core, 18 ms with one), and threads
 * spinning between runs take the cores that decode the next images.
 */
export function openModelSession(onnx: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(onnx, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
}

/** What running a model needs of it: its labels, thresholds and input shape. */
export interface ModelShape {
  readonly labels: readonly string[];
  readonly thresholds: Readonly<Record<string, number>>;
  readonly input: { readonly width: number; readonly height: number; readonly channels: number };
}

export interface ModelRun {
  /** One verdict per classified item, in the order of `items`. */
  readonly verdicts: Verdict[];
  /** The session's raw outputs (`logits`, and `cams` where the model has them). */
  readonly outputs: ort.InferenceSession.OnnxValueMapType;
}

/**
 * One batch through a model, the one way inference and every offline use (the loop's challenger) do it: the
 * preprocessed pixels of the chosen items of a batch (`preprocessBatch`'s planar bytes) as one float tensor,
 * one `session.run`, softmax and the model's thresholds (`decide`). Throws what the session throws.
 */
export async function runModel(
  session: ort.InferenceSession,
  model: ModelShape,
  pixels: Uint8Array,
  items: readonly number[],
): Promise<ModelRun> {
  const { width: w, height: h, channels: c } = model.input;
  const size = w * h * c;
  const input = new Uint8Array(items.length * size);
  items.forEach((item, n) => input.set(pixels.subarray(item * size, (item + 1) * size), n * size));
  const outputs = await session.run({
    [session.inputNames[0]!]: new ort.Tensor('float32', toFloat32(input), [items.length, c, h, w]),
  });
  const logits = outputs.logits!.data as Float32Array;
  const k = model.labels.length;
  const verdicts = items.map((_, n) =>
    decide(model.labels, softmax(logits.subarray(n * k, (n + 1) * k)), model.thresholds),
  );
  return { verdicts, outputs };
}
