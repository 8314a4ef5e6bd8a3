import type { EventData, EventInput } from '../events/catalog.ts';
import type { PlotTypeSpec } from '../events/plottype.ts';
import type { Evaluation, TrainingParameters } from '../events/training.ts';
import { trainedModelId } from '../models/ids.ts';
import type { LabelledImage, SamplingMethod } from './split.ts';

/**
 * Pure decisions of a training run: which labels and images it trains on, and the outcome events.
 * The worker (src/training/worker.ts) does the I/O around them.
 */

export type TrainingRequest = EventData<'training.requested'>;

export interface DatasetPlan {
  readonly ok: true;
  /** The plot type's labels that have labelled images, in the plot type's order: the model's outputs. */
  readonly labels: string[];
  readonly items: LabelledImage[];
  readonly perLabel: Record<string, number>;
  /** Plot-type labels nobody has labelled an image with: the model will not know them. */
  readonly unused: string[];
  /** Images labelled with a label the plot type no longer has. */
  readonly ignored: number;
  readonly sampling: SamplingMethod;
}

export interface PlanFailure {
  readonly ok: false;
  readonly code: 'too-few-labels';
  readonly reason: string;
}

/**
 * The dataset of a plot type from its current labels. A label nobody has used yet is left out (the
 * model then has no output for it) rather than failing the run; two labels at least are needed, and
 * each one used needs `minPerClass` images (the trainer checks the same).
 */
export function planDataset(
  spec: PlotTypeSpec,
  rows: readonly LabelledImage[],
  params: TrainingParameters,
): DatasetPlan | PlanFailure {
  const names = spec.labels.map((l) => l.name);
  const counts = new Map<string, number>(names.map((n) => [n, 0]));
  const items: LabelledImage[] = [];
  let ignored = 0;
  for (const r of rows) {
    if (!counts.has(r.label)) {
      ignored++;
      continue;
    }
    counts.set(r.label, counts.get(r.label)! + 1);
    items.push({ imageId: r.imageId, label: r.label });
  }
  const labels = names.filter((n) => counts.get(n)! > 0);
  const perLabel = Object.fromEntries(labels.map((l) => [l, counts.get(l)!]));
  const show = names.map((n) => `${n}: ${counts.get(n)}`).join(', ');
  if (labels.length < 2) {
    return {
      ok: false,
      code: 'too-few-labels',
      reason: `${spec.name} needs labelled images of at least two labels to train; it has ${show}`,
    };
  }
  const short = labels.filter((l) => counts.get(l)! < params.minPerClass);
  if (short.length) {
    return {
      ok: false,
      code: 'too-few-labels',
      reason: `each label needs at least ${params.minPerClass} labelled images; too few for ${short.map((l) => `${l}: ${counts.get(l)}`).join(', ')} (${spec.name} has ${show})`,
    };
  }
  items.sort((a, b) => (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0));
  return {
    ok: true,
    labels,
    items,
    perLabel,
    unused: names.filter((n) => counts.get(n) === 0),
    ignored,
    sampling: params.sampling ?? spec.sampling,
  };
}

/** A fresh training id: plot type, time and a random tail (the CLI and the retrain trigger make them). */
export function newTrainingId(plotType: string, now: Date, random: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${plotType.slice(0, 90)}-${stamp}-${random.slice(0, 6)}`;
}

export interface CompletedParts {
  readonly request: TrainingRequest;
  readonly spec: PlotTypeSpec;
  readonly plan: DatasetPlan;
  readonly parameters: TrainingParameters;
  readonly evaluation: Evaluation;
  readonly onnx: string;
  readonly dataset: {
    size: number;
    train: number;
    validation: number;
    manifestHash: string;
    perLabel: Record<string, number>;
  };
  readonly frameworks: Readonly<Record<string, string>>;
  readonly durationSeconds: number;
  readonly trainer: { device: string; epochsRun: number; bestEpoch: number; imagesPerSecond: number };
  readonly artifacts: { valPredictions: string; info: string; weights?: string };
  readonly skipped: number;
}

export function completedData(p: CompletedParts): EventInput<'training.completed'> {
  return {
    trainingId: p.request.trainingId,
    plotType: p.request.plotType,
    modelId: trainedModelId(p.request.plotType, p.request.trainingId),
    onnx: p.onnx,
    input: { ...p.spec.input },
    labels: p.plan.labels,
    evaluation: p.evaluation,
    dataset: { ...p.dataset, skipped: p.skipped },
    parameters: { ...p.parameters, sampling: p.plan.sampling },
    frameworks: { ...p.frameworks },
    durationSeconds: p.durationSeconds,
    trainer: p.trainer,
    artifacts: p.artifacts,
  };
}

export type FailureCode = EventData<'training.failed'>['code'];

export function failedData(
  request: Pick<TrainingRequest, 'trainingId' | 'plotType'>,
  code: FailureCode,
  reason: string,
): EventInput<'training.failed'> {
  return { trainingId: request.trainingId, plotType: request.plotType, code, reason: reason.slice(0, 4000) };
}

const TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The ids to report an unusable request under: its own trainingId and plotType when they can be read
 * and are valid tokens, else `invalid-<seq>` and `unknown`. So even a poison message gets its failure.
 */
export function salvageRequestIds(payload: string, seq: number): { trainingId: string; plotType: string } {
  let data: Record<string, unknown> = {};
  try {
    const json: unknown = JSON.parse(payload);
    const d = json && typeof json === 'object' ? (json as { data?: unknown }).data : undefined;
    if (d && typeof d === 'object') data = d as Record<string, unknown>;
  } catch {
    // not JSON at all: the defaults below
  }
  const token = (v: unknown): string | undefined => (typeof v === 'string' && TOKEN.test(v) ? v : undefined);
  return { trainingId: token(data.trainingId) ?? `invalid-${seq}`, plotType: token(data.plotType) ?? 'unknown' };
}

/** One line of console progress for an epoch. */
export function progressLine(
  trainingId: string,
  p: {
    epoch: number;
    epochs: number;
    loss: number;
    valAccuracy: number;
    imagesPerSecond?: number;
    valLoss?: number;
    valBalancedAccuracy?: number;
  },
): string {
  const ips = p.imagesPerSecond !== undefined ? `, ${Math.round(p.imagesPerSecond)} img/s` : '';
  const vl = p.valLoss !== undefined ? ` val loss ${p.valLoss.toFixed(4)}` : '';
  const bal = p.valBalancedAccuracy !== undefined ? ` (balanced ${(100 * p.valBalancedAccuracy).toFixed(1)}%)` : '';
  return `training ${trainingId}: epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}${vl} val acc ${(100 * p.valAccuracy).toFixed(1)}%${bal}${ips}`;
}

/** The dedup id of a training's one outcome (completed, failed or cancelled): a second outcome is never stored. */
export const outcomeId = (trainingId: string): string => `training.outcome:${trainingId}`;
