import type { BlobStore } from '../blobs/store.ts';
import type { EventMetadata } from '../events/envelope.ts';
import { readMatching } from '../events/query.ts';
import { encodeKey } from '../events/subjects.ts';
import type { AppendResult, EventLog } from '../events/log.ts';
import type { PlotTypeLookup } from '../labels/decide.ts';
import type { ModelRow } from '../projections/models/table.ts';
import { importedModelId } from './ids.ts';
import {
  decideActivation,
  decideRetire,
  decideSignOff,
  decideThresholds,
  foldModels,
  ModelLifecycleError,
  rollbackTarget,
  type ActivateCommand,
  type ThresholdsCommand,
} from './decide.ts';
import { inspectOnnx, onnxProblems } from './onnx-check.ts';

/**
 * A model's lifecycle (sign-off, activation, retirement, import) as commands: each reads the models from the stream (not a read model that may lag),
 * decides with the pure functions of decide.ts, and appends. Activation demands the last sequence of the
 * plot type's model.activated subject that it read before deciding: of two concurrent activations,
 * one wins and the other gets a ConcurrencyConflictError.
 */

/** Every model (of one plot type, or all), folded from training.completed and model.* events. */
export async function readModels(log: EventLog, plotType?: string): Promise<Map<string, ModelRow>> {
  const modelFilter = plotType ? `${log.names.namespace}.model.*.${encodeKey(plotType)}` : log.names.filter('model');
  const [trained, model] = await Promise.all([
    readMatching(log, log.names.filter('training.completed')),
    readMatching(log, modelFilter),
  ]);
  const events = [
    ...trained.filter((e) => !plotType || (e.type === 'training.completed' && e.data.plotType === plotType)),
    ...model,
  ].sort((a, b) => a.seq - b.seq);
  return foldModels(events);
}

async function modelState(
  log: EventLog,
  modelId: string,
): Promise<{ plotType: string; models: Map<string, ModelRow>; activatedSeq: number }> {
  const all = await readModels(log);
  const m = all.get(modelId);
  if (!m) throw new ModelLifecycleError('HYDRA_MODEL_UNKNOWN', `no model "${modelId}" (hydra models list)`);
  // The sequence first, then the state: an activation appended in between makes ours conflict.
  const activatedSeq = await log.lastSubjectSeq('model.activated', m.plotType);
  return { plotType: m.plotType, models: await readModels(log, m.plotType), activatedSeq };
}

export async function signOffModel(
  log: EventLog,
  cmd: { modelId: string; user: string; comment?: string },
  metadata: EventMetadata,
): Promise<AppendResult> {
  const { models } = await modelState(log, cmd.modelId);
  return log.append({
    type: 'model.signed-off',
    metadata: { ...metadata, user: cmd.user },
    data: decideSignOff(models, cmd),
  });
}

export async function activateModel(
  log: EventLog,
  cmd: ActivateCommand,
  metadata: EventMetadata,
  hooks: { beforeAppend?: () => Promise<void> } = {},
): Promise<AppendResult & { previousModelId?: string; belowBar: boolean }> {
  const { models, activatedSeq } = await modelState(log, cmd.modelId);
  const data = decideActivation(models, cmd);
  await hooks.beforeAppend?.(); // tests hold two activations here to make them race
  const r = await log.append({
    type: 'model.activated',
    metadata: { ...metadata, user: cmd.user },
    data,
    expectedLastSubjectSeq: activatedSeq,
  });
  return {
    ...r,
    belowBar: data.belowBar ?? false,
    ...(data.previousModelId ? { previousModelId: data.previousModelId } : {}),
  };
}

/**
 * Goes back to the model the active one replaced: an activation of that model (with all its checks: a retired one
 * is refused), appended with the same expected sequence as any other.
 */
export async function rollbackModel(
  log: EventLog,
  cmd: Omit<ActivateCommand, 'modelId'> & { readonly plotType: string },
  metadata: EventMetadata,
): Promise<AppendResult & { modelId: string; previousModelId?: string; belowBar: boolean }> {
  const { plotType, ...rest } = cmd;
  const target = rollbackTarget(await readModels(log, plotType), plotType);
  return { modelId: target.modelId, ...(await activateModel(log, { ...rest, modelId: target.modelId }, metadata)) };
}

export async function retireModel(
  log: EventLog,
  cmd: { modelId: string; user: string; reason?: string },
  metadata: EventMetadata,
): Promise<AppendResult> {
  const { models } = await modelState(log, cmd.modelId);
  return log.append({
    type: 'model.retired',
    metadata: { ...metadata, user: cmd.user },
    data: decideRetire(models, cmd),
  });
}

/**
 * Sets some of a model's confirmation thresholds (\`model.thresholds-changed\`): inference applies them to the verdicts
 * after it, without a restart. Null when they are the model's thresholds already (nothing appended).
 */
export async function setModelThresholds(
  log: EventLog,
  cmd: ThresholdsCommand,
  metadata: EventMetadata,
): Promise<(AppendResult & { thresholds: Record<string, number> }) | null> {
  const { models } = await modelState(log, cmd.modelId);
  const data = decideThresholds(models, cmd);
  if (!data) return null;
  const r = await log.append({ type: 'model.thresholds-changed', metadata: { ...metadata, user: cmd.user }, data });
  return { ...r, thresholds: data.thresholds };
}

export interface ImportModelCommand {
  readonly bytes: Uint8Array;
  readonly plotType: string;
  readonly labels: readonly string[];
  readonly user: string;
  readonly comment?: string;
}

/** Labels given for an imported model: distinct, two or more, each one of the plot type's. */
export function importLabelProblems(labels: readonly string[], allowed: readonly string[]): string[] {
  const problems: string[] = [];
  if (labels.length < 2) problems.push(`a model needs two labels or more, got ${labels.join(', ') || 'none'}`);
  if (new Set(labels).size !== labels.length) problems.push(`labels repeat: ${labels.join(', ')}`);
  const foreign = labels.filter((l) => !allowed.includes(l));
  if (foreign.length)
    problems.push(
      `${foreign.join(', ')} ${foreign.length === 1 ? 'is' : 'are'} not among the plot type's labels (${allowed.join(', ')})`,
    );
  return problems;
}

/**
 * Registers a model trained anywhere: validated in ONNX Runtime against the plot type (input size,
 * one logit per label), stored by its SHA-256, and recorded as model.imported (then signed off and
 * activated like a trained one). Importing the same bytes again returns the model already registered.
 */
export async function importModel(
  deps: { log: EventLog; blobs: BlobStore; plotTypes: PlotTypeLookup },
  cmd: ImportModelCommand,
  metadata: EventMetadata,
): Promise<{ modelId: string; onnx: string; created: boolean }> {
  const spec = deps.plotTypes.get(cmd.plotType);
  if (!spec)
    throw new ModelLifecycleError(
      'HYDRA_PLOT_TYPE_UNKNOWN',
      `plot type "${cmd.plotType}" is not configured (hydra plot-types list)`,
    );
  const labelProblems = importLabelProblems(
    cmd.labels,
    spec.labels.map((l) => l.name),
  );
  const problems = labelProblems.length
    ? labelProblems
    : onnxProblems(await inspectOnnx(cmd.bytes, spec.input), { input: spec.input, labels: cmd.labels });
  if (problems.length)
    throw new ModelLifecycleError(
      'HYDRA_MODEL_INCOMPATIBLE',
      `the model does not fit ${cmd.plotType}:\n  ${problems.join('\n  ')}`,
    );
  const blob = await deps.blobs.put(cmd.bytes, 'application/onnx');
  const modelId = importedModelId(cmd.plotType, blob.sha256);
  if ((await readModels(deps.log, cmd.plotType)).has(modelId)) return { modelId, onnx: blob.sha256, created: false };
  const r = await deps.log.append({
    type: 'model.imported',
    id: `model.imported:${modelId}`,
    metadata: { ...metadata, user: cmd.user },
    data: {
      modelId,
      plotType: cmd.plotType,
      onnx: blob.sha256,
      input: { ...spec.input },
      labels: [...cmd.labels],
      user: cmd.user,
      ...(cmd.comment ? { comment: cmd.comment } : {}),
    },
  });
  return { modelId, onnx: blob.sha256, created: !r.duplicate };
}
