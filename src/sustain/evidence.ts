import { createHash } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import type { SustainStatus } from '../events/sustain.ts';
import type { Evaluation } from '../events/training.ts';
import { unbiasedLabelled, unbiasedWaiting, type UnbiasedLabelled } from '../projections/label-queue/queries.ts';
import type { ModelRow } from '../projections/models/table.ts';
import { latestDecision } from '../projections/sustain/queries.ts';
import { lastTrainingRequestedBy } from '../projections/trainings/queries.ts';
import { verdictsOfModel } from '../projections/verdicts/queries.ts';
import type { AssessInput } from './assess.ts';
import type { LabelledSample, RetrainPolicy } from './policy.ts';
import { histogram } from './statistics.ts';

/**
 * What the loop knows about a plot type's active model, read from the read models (never the stream), so that
 * `hydra replay` gives the same figures: the unbiased labelled samples the model itself gave a verdict on, the
 * labelling backlog, its recent confidences against its validation set's, its recent verdict mix against its first
 * live verdicts', and the last request the loop made.
 */

/** Labelled unbiased samples read at most (the window is smaller; a comparison takes them all). */
const READ_SAMPLES = 1000;

/** The samples a model gave the verdict on, oldest first. */
export async function samplesJudgedBy(
  db: Db,
  plotType: string,
  modelId: string,
  opts: { limit?: number; labelledAfter?: string } = {},
): Promise<UnbiasedLabelled[]> {
  const rows = await unbiasedLabelled(db, plotType, {
    modelId,
    limit: opts.limit ?? READ_SAMPLES,
    ...(opts.labelledAfter ? { labelledAfter: opts.labelledAfter } : {}),
  });
  return rows.reverse();
}

/** Every validation confidence, whatever its labels: the drift signal's reference. */
export function validationConfidences(evaluation: Evaluation): number[] {
  const bins = evaluation.confidenceHistograms[0]?.[0]?.length ?? 0;
  const total = new Array<number>(bins).fill(0);
  for (const row of evaluation.confidenceHistograms)
    for (const cell of row) cell.forEach((n, i) => (total[i] = (total[i] ?? 0) + n));
  return total;
}

/** How many of the verdicts gave each label. */
export function mixOf(rows: readonly { verdict: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.verdict] = (out[r.verdict] ?? 0) + 1;
  return out;
}

export async function assessInputOf(
  db: Db,
  model: ModelRow,
  policy: Pick<RetrainPolicy, 'driftWindow' | 'mixReference'>,
): Promise<(AssessInput & { readonly previousSeq: string | null }) | null> {
  const evaluation = model.evaluation;
  if (!evaluation) return null; // an imported model has no validation to hold it to
  const plotType = model.plotType;
  const [rows, waiting, recent, first, lastRequest, previous] = await Promise.all([
    samplesJudgedBy(db, plotType, model.modelId),
    unbiasedWaiting(db, plotType),
    verdictsOfModel(db, plotType, model.modelId, { which: 'latest', limit: policy.driftWindow }),
    verdictsOfModel(db, plotType, model.modelId, { which: 'first', limit: policy.mixReference }),
    lastTrainingRequestedBy(db, plotType, 'sustain'),
    latestDecision(db, plotType, 'assessed'),
  ]);
  const samples: LabelledSample[] = rows.map((r) => ({
    label: r.label!,
    predicted: r.verdict!,
    sampledAt: r.at,
    labelledAt: r.labelledAt!,
  }));
  const reference = validationConfidences(evaluation);
  const confidences = recent.flatMap((v) => (v.confidence === null ? [] : [v.confidence]));
  // The mix compares the latest verdicts with the first ones, never a verdict with itself.
  const inReference = new Set(first.map((v) => v.arrivalId));
  // What triggered this assessment: the decision before it and the newest sample. A retry is the same one.
  const latest = rows.at(-1);
  const trigger = `${plotType}:${model.modelId}:${previous?.seq ?? ''}:${latest?.imageId ?? ''}:${latest?.labelledAt ?? ''}:${samples.length}`;
  return {
    plotType,
    model: {
      modelId: model.modelId,
      validationAccuracy: evaluation.accuracy,
      samples,
      trainingConfidences: reference,
      recentConfidences: reference.length > 0 ? histogram(confidences, reference.length) : [],
      referenceMix: mixOf(first),
      recentMix: mixOf(recent.filter((v) => !inReference.has(v.arrivalId))),
      lastRequestAt: lastRequest?.requestedAt ?? null,
    },
    waiting,
    previous: previous
      ? {
          modelId: previous.modelId,
          status: previous.status as SustainStatus,
          ...(previous.evidence?.labelsStale !== undefined ? { labelsStale: previous.evidence.labelsStale } : {}),
        }
      : null,
    previousSeq: previous?.seq ?? null,
    trainingId: `${plotType.slice(0, 80)}-sustain-${createHash('sha256').update(trigger).digest('hex').slice(0, 16)}`,
  };
}
