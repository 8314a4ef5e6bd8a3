import type { EventInput, HydraEvent } from '../events/catalog.ts';
import { DEFAULT_ACTIVATION_BAR, type PlotTypeSpec } from '../events/plottype.ts';
import { evolveModel, modelsProjection } from '../projections/models/projection.ts';
import type { ModelRow } from '../projections/models/table.ts';
import { barProblems, type ActivationBar } from '../training/evaluate.ts';

/**
 * The model registry's decisions, pure: the models of a plot type as the stream has them (folded with
 * the models read model's own `evolveModel`), and what signing off, activating and retiring may do.
 */

export type ModelLifecycleErrorCode =
  | 'HYDRA_MODEL_UNKNOWN'
  | 'HYDRA_MODEL_RETIRED'
  | 'HYDRA_MODEL_NOT_SIGNED_OFF'
  | 'HYDRA_MODEL_ALREADY_ACTIVE'
  | 'HYDRA_NOT_ADMIN'
  | 'HYDRA_MODEL_INCOMPATIBLE'
  | 'HYDRA_MODEL_UNDER_BAR'
  | 'HYDRA_PLOT_TYPE_UNKNOWN'
  | 'HYDRA_MODEL_NO_ROLLBACK'
  | 'HYDRA_MODEL_BAD_THRESHOLD'
  | 'HYDRA_TRAINING_UNKNOWN'
  | 'HYDRA_TRAINING_FINISHED'
  | 'HYDRA_BACKFILL_RANGE';

const STATUS: Record<ModelLifecycleErrorCode, number> = {
  HYDRA_MODEL_UNKNOWN: 404,
  HYDRA_MODEL_RETIRED: 409,
  HYDRA_MODEL_NOT_SIGNED_OFF: 409,
  HYDRA_MODEL_ALREADY_ACTIVE: 409,
  HYDRA_NOT_ADMIN: 403,
  HYDRA_MODEL_INCOMPATIBLE: 400,
  HYDRA_MODEL_UNDER_BAR: 409,
  HYDRA_PLOT_TYPE_UNKNOWN: 404,
  HYDRA_MODEL_NO_ROLLBACK: 409,
  HYDRA_MODEL_BAD_THRESHOLD: 400,
  HYDRA_TRAINING_UNKNOWN: 404,
  HYDRA_TRAINING_FINISHED: 409,
  HYDRA_BACKFILL_RANGE: 400,
};

export class ModelLifecycleError extends Error {
  override readonly name = 'ModelLifecycleError';
  readonly status: number;
  constructor(
    readonly code: ModelLifecycleErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = STATUS[code];
  }
}

export type Models = ReadonlyMap<string, ModelRow>;

/** Folds training.completed and model.* events (in stream order) into one row per model. */
export function foldModels(events: Iterable<HydraEvent>): Map<string, ModelRow> {
  const rows = new Map<string, ModelRow>();
  for (const e of events) {
    const keys = modelsProjection.keyOf(e);
    if (keys === null) continue;
    for (const k of typeof keys === 'string' ? [keys] : keys) {
      let next: ModelRow | null;
      try {
        next = evolveModel(rows.get(k) ?? null, e, k);
      } catch {
        continue; // an event about a model this history does not hold: nothing to change
      }
      if (next) rows.set(k, next);
      else rows.delete(k);
    }
  }
  return rows;
}

export const activeModel = (models: Models, plotType: string): ModelRow | undefined =>
  [...models.values()].find((m) => m.plotType === plotType && m.status === 'active');

function known(models: Models, modelId: string): ModelRow {
  const m = models.get(modelId);
  if (!m) throw new ModelLifecycleError('HYDRA_MODEL_UNKNOWN', `no model "${modelId}" (hydra models list)`);
  return m;
}

export function decideSignOff(
  models: Models,
  cmd: { modelId: string; user: string; comment?: string },
): EventInput<'model.signed-off'> {
  const m = known(models, cmd.modelId);
  if (m.status === 'retired') throw new ModelLifecycleError('HYDRA_MODEL_RETIRED', `model ${m.modelId} is retired`);
  return { modelId: m.modelId, plotType: m.plotType, user: cmd.user, ...(cmd.comment ? { comment: cmd.comment } : {}) };
}

export interface ActivateCommand {
  readonly modelId: string;
  readonly user: string;
  /** Activate without an expert's sign-off: only an admin may. */
  readonly override: boolean;
  readonly admins: readonly string[];
  /** The plot type's activation bar (its spec's activationBar). */
  readonly bar: ActivationBar;
  /** Activate although the model's validation is under the bar: an explicit choice, recorded. */
  readonly belowBar: boolean;
}

/**
 * Why a model is under the bar; none for one that clears it, and none for an imported model (no Hydra
 * validation to judge: the site that trained it vouches for it by signing it off).
 */
export function modelBarProblems(m: Pick<ModelRow, 'evaluation'>, bar: ActivationBar): string[] {
  return m.evaluation ? barProblems(m.evaluation, bar) : [];
}

/** A plot type's activation bar (the default one for a plot type that is gone). */
export const activationBarOf = (spec: Pick<PlotTypeSpec, 'activationBar'> | undefined | null): ActivationBar =>
  spec?.activationBar ?? DEFAULT_ACTIVATION_BAR;

/** Where a rollback goes: the model the plot type's active model replaced when it was activated. */
export function rollbackTarget(models: Models, plotType: string): ModelRow {
  const active = activeModel(models, plotType);
  if (!active)
    throw new ModelLifecycleError('HYDRA_MODEL_NO_ROLLBACK', `${plotType} has no active model to roll back from`);
  const previous = active.replacedModelId ? models.get(active.replacedModelId) : undefined;
  if (!previous)
    throw new ModelLifecycleError(
      'HYDRA_MODEL_NO_ROLLBACK',
      `${active.modelId} did not replace another model when it was activated: there is nothing to roll back to`,
    );
  return previous;
}

/** Why a model cannot be activated now, or null when it can. */
export function activationProblem(models: Models, cmd: ActivateCommand): ModelLifecycleError | null {
  const m = models.get(cmd.modelId);
  if (!m) return new ModelLifecycleError('HYDRA_MODEL_UNKNOWN', `no model "${cmd.modelId}" (hydra models list)`);
  if (m.status === 'retired') return new ModelLifecycleError('HYDRA_MODEL_RETIRED', `model ${m.modelId} is retired`);
  if (m.status === 'active')
    return new ModelLifecycleError(
      'HYDRA_MODEL_ALREADY_ACTIVE',
      `model ${m.modelId} is already ${m.plotType}'s active model`,
    );
  if (cmd.override && !cmd.admins.includes(cmd.user)) {
    return new ModelLifecycleError(
      'HYDRA_NOT_ADMIN',
      `only an admin may override the sign-off; ${cmd.user} is not one of HYDRA_ADMINS (${cmd.admins.join(', ') || 'none set'})`,
    );
  }
  if (!m.signedOffBy && !cmd.override) {
    return new ModelLifecycleError(
      'HYDRA_MODEL_NOT_SIGNED_OFF',
      `model ${m.modelId} has not been signed off by an expert: hydra models signoff ${m.modelId} --user NAME (or an admin activates it with --override)`,
    );
  }
  const weak = modelBarProblems(m, cmd.bar);
  if (weak.length && !cmd.belowBar) {
    return new ModelLifecycleError(
      'HYDRA_MODEL_UNDER_BAR',
      `model ${m.modelId} is under ${m.plotType}'s activation bar: ${weak.join('; ')}. Label more images (or fix the labels) and train again, or activate it anyway with --below-bar`,
    );
  }
  return null;
}

/** The activation event: it names the model it replaces, so both rows change together. */
export function decideActivation(models: Models, cmd: ActivateCommand): EventInput<'model.activated'> {
  const problem = activationProblem(models, cmd);
  if (problem) throw problem;
  const m = models.get(cmd.modelId)!;
  const previous = activeModel(models, m.plotType);
  return {
    modelId: m.modelId,
    plotType: m.plotType,
    user: cmd.user,
    override: cmd.override,
    belowBar: modelBarProblems(m, cmd.bar).length > 0,
    ...(previous ? { previousModelId: previous.modelId } : {}),
  };
}

export function decideRetire(
  models: Models,
  cmd: { modelId: string; user: string; reason?: string },
): EventInput<'model.retired'> {
  const m = known(models, cmd.modelId);
  if (m.status === 'retired')
    throw new ModelLifecycleError('HYDRA_MODEL_RETIRED', `model ${m.modelId} is already retired`);
  return { modelId: m.modelId, plotType: m.plotType, user: cmd.user, ...(cmd.reason ? { reason: cmd.reason } : {}) };
}

export interface ThresholdsCommand {
  readonly modelId: string;
  readonly user: string;
  /** New thresholds of some of the model's labels (the others keep theirs). */
  readonly thresholds: Readonly<Record<string, number>>;
  readonly comment?: string;
}

/**
 * New confirmation thresholds for some labels of a model that is not retired: each one of the model's labels, from 0
 * to 1 (at 1 no verdict of that label is ever confirmed: each goes to the Labeler). Null when they change nothing.
 */
export function decideThresholds(
  models: Models,
  cmd: ThresholdsCommand,
): EventInput<'model.thresholds-changed'> | null {
  const m = known(models, cmd.modelId);
  if (m.status === 'retired')
    throw new ModelLifecycleError('HYDRA_MODEL_RETIRED', `model ${m.modelId} is retired: its thresholds stay`);
  const given = Object.entries(cmd.thresholds);
  if (given.length === 0) throw new ModelLifecycleError('HYDRA_MODEL_BAD_THRESHOLD', 'no threshold given');
  for (const [label, t] of given) {
    if (!m.labels.includes(label))
      throw new ModelLifecycleError(
        'HYDRA_MODEL_BAD_THRESHOLD',
        `${label} is not a label of ${m.modelId} (${m.labels.join(', ')})`,
      );
    if (!(Number.isFinite(t) && t >= 0 && t <= 1))
      throw new ModelLifecycleError('HYDRA_MODEL_BAD_THRESHOLD', `the threshold of ${label} must be from 0 to 1`);
  }
  const thresholds = { ...m.thresholds, ...cmd.thresholds };
  if (given.every(([l, t]) => m.thresholds[l] === t)) return null;
  return {
    modelId: m.modelId,
    plotType: m.plotType,
    thresholds,
    previous: { ...m.thresholds },
    user: cmd.user,
    ...(cmd.comment ? { comment: cmd.comment } : {}),
  };
}
