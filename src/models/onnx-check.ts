import * as ort from 'onnxruntime-node';

/**
 * Is an ONNX model usable as a plot type's model? What Hydra's inference needs: one float input
 * [N, C, H, W] of the plot type's input size (raw 0..255 values; any normalisation inside the model),
 * an output `logits` [N, K] with one column per label, and optionally `cams` [N, K, h, w].
 */

export interface OnnxValueInfo {
  readonly name: string;
  readonly type?: string;
  /** Numbers, symbolic names (a dynamic batch), or null when the model does not say. */
  readonly shape: readonly (number | string)[] | null;
}

export interface OnnxInfo {
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** What a run on one white image gave: the dims of every output, or the error. */
  readonly probe:
    | { readonly ok: true; readonly dims: Readonly<Record<string, readonly number[]>> }
    | { readonly ok: false; readonly error: string };
}

export interface ExpectedModel {
  readonly input: { readonly width: number; readonly height: number; readonly channels: number };
  readonly labels: readonly string[];
}

const dimOk = (d: number | string | undefined, want: number): boolean =>
  d === undefined || typeof d === 'string' || d === want || d === -1;
const show = (s: readonly (number | string)[] | null | undefined): string => (s ? `[${s.join(', ')}]` : 'unknown');

/** Every reason the model does not fit (empty: it fits). Pure. */
export function onnxProblems(info: OnnxInfo, want: ExpectedModel): string[] {
  const { width: W, height: H, channels: C } = want.input;
  const K = want.labels.length;
  const problems: string[] = [];
  if (info.inputs.length !== 1)
    problems.push(
      `the model must have exactly one input, it has ${info.inputs.length} (${info.inputs.map((i) => i.name).join(', ')})`,
    );
  const input = info.inputs[0];
  if (input) {
    if (input.type && input.type !== 'float32')
      problems.push(`input ${input.name} must be float32, it is ${input.type}`);
    const s = input.shape;
    if (s && (s.length !== 4 || !dimOk(s[1], C) || !dimOk(s[2], H) || !dimOk(s[3], W))) {
      problems.push(
        `input ${input.name} must be [N, ${C}, ${H}, ${W}] (the plot type's channels, height, width), it is ${show(s)}`,
      );
    }
  }
  const logits = info.outputs.find((o) => o.name === 'logits');
  if (!logits)
    problems.push(
      `the model needs an output named "logits"; it has ${info.outputs.map((o) => o.name).join(', ') || 'none'}`,
    );
  else if (logits.shape && (logits.shape.length !== 2 || !dimOk(logits.shape[1], K))) {
    problems.push(
      `output logits must be [N, ${K}] (one column per label: ${want.labels.join(', ')}), it is ${show(logits.shape)}`,
    );
  }
  const cams = info.outputs.find((o) => o.name === 'cams');
  if (cams?.shape && (cams.shape.length !== 4 || !dimOk(cams.shape[1], K)))
    problems.push(`output cams must be [N, ${K}, h, w], it is ${show(cams.shape)}`);
  if (!info.probe.ok) {
    problems.push(`running it on a ${C}x${H}x${W} input failed: ${info.probe.error}`);
  } else if (problems.length === 0) {
    const l = info.probe.dims.logits;
    if (l?.length !== 2 || l[0] !== 1 || l[1] !== K)
      problems.push(`on one image it gave logits ${show(l ?? null)}, expected [1, ${K}]`);
    const c = info.probe.dims.cams;
    if (c && (c.length !== 4 || c[0] !== 1 || c[1] !== K))
      problems.push(`on one image it gave cams ${show(c)}, expected [1, ${K}, h, w]`);
  }
  return problems;
}

function valueInfo(m: ort.InferenceSession.ValueMetadata): OnnxValueInfo {
  return m.isTensor
    ? { name: m.name, type: m.type, shape: m.shape.length ? [...m.shape] : null }
    : { name: m.name, shape: null };
}

export class OnnxLoadError extends Error {
  override readonly name = 'OnnxLoadError';
  readonly code = 'HYDRA_ONNX_UNREADABLE';
  readonly status = 400;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Loads the model in ONNX Runtime and runs it once on a white image of the expected size. */
export async function inspectOnnx(bytes: Uint8Array, input: ExpectedModel['input']): Promise<OnnxInfo> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (cause) {
    throw new OnnxLoadError(`ONNX Runtime cannot load the model: ${(cause as Error).message}`, { cause });
  }
  try {
    const inputs = session.inputMetadata.map(valueInfo),
      outputs = session.outputMetadata.map(valueInfo);
    let probe: OnnxInfo['probe'];
    try {
      const n = input.channels * input.height * input.width;
      const out = await session.run({
        [session.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(n).fill(255), [
          1,
          input.channels,
          input.height,
          input.width,
        ]),
      });
      probe = { ok: true, dims: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v.dims]])) };
    } catch (err) {
      probe = { ok: false, error: (err as Error).message.slice(0, 500) };
    }
    return { inputs, outputs, probe };
  } finally {
    await session.release();
  }
}
