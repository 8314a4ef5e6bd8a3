import { DEFAULT_ACTIVATION_BAR } from '../events/plottype.ts';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../training/evaluate.ts';
import { eventStream } from '../../test/support/projection-spec.ts';
import {
  activationProblem,
  activeModel,
  decideActivation,
  decideRetire,
  decideSignOff,
  decideThresholds,
  foldModels,
  ModelLifecycleError,
  modelBarProblems,
  rollbackTarget,
} from './decide.ts';
import { onnxProblems, type OnnxInfo } from './onnx-check.ts';
import { importLabelProblems } from './lifecycle.ts';

const hex = (c: string) => c.repeat(64);
const evaluation = evaluate({
  labels: ['Good', 'Bad'],
  trueLabels: [0, 1],
  probabilities: [
    [0.8, 0.2],
    [0.3, 0.7],
  ],
  imageIds: [hex('1'), hex('2')],
});

function history() {
  const stored = eventStream();
  const trained = (modelId: string, plotType = 'CDC', ev = evaluation) =>
    stored('training.completed', {
      trainingId: `t-${modelId}`,
      plotType,
      modelId,
      onnx: hex('a'),
      input: { width: 64, height: 48, channels: 3 },
      labels: ['Good', 'Bad'],
      evaluation: ev,
      dataset: { size: 10, train: 8, validation: 2, manifestHash: hex('b'), perLabel: { Good: 5, Bad: 5 } },
      parameters: {},
      frameworks: { torch: '2' },
      durationSeconds: 1,
    });
  return { stored, trained };
}

const admins = ['root'];
const bar = DEFAULT_ACTIVATION_BAR;

describe('registry decisions', () => {
  const { stored, trained } = history();
  const events = [
    trained('m1'),
    trained('m2'),
    trained('m3'),
    trained('x1', 'RF'),
    stored('model.signed-off', { modelId: 'm1', plotType: 'CDC', user: 'expert' }),
    stored('model.signed-off', { modelId: 'm2', plotType: 'CDC', user: 'expert', comment: 'fine' }),
    stored('model.activated', { modelId: 'm1', plotType: 'CDC', user: 'expert' }),
  ];
  const models = foldModels(events);

  it("folds the stream with the read model's own evolve", () => {
    expect([...models.values()].map((m) => [m.modelId, m.status])).toEqual([
      ['m1', 'active'],
      ['m2', 'signed-off'],
      ['m3', 'trained'],
      ['x1', 'trained'],
    ]);
    expect(activeModel(models, 'CDC')?.modelId).toBe('m1');
    expect(activeModel(models, 'RF')).toBeUndefined();
  });

  it('activates a signed-off model, naming the one it replaces', () => {
    expect(
      decideActivation(models, { modelId: 'm2', user: 'expert', override: false, admins, bar, belowBar: false }),
    ).toEqual({
      modelId: 'm2',
      plotType: 'CDC',
      user: 'expert',
      override: false,
      belowBar: false,
      previousModelId: 'm1',
    });
    const after = foldModels([
      ...events,
      stored(
        'model.activated',
        decideActivation(models, { modelId: 'm2', user: 'expert', override: false, admins, bar, belowBar: false }),
      ),
    ]);
    expect([after.get('m1')!.status, after.get('m2')!.status]).toEqual(['signed-off', 'active']);
  });

  it('refuses a model without sign-off unless an admin overrides', () => {
    expect(
      activationProblem(models, { modelId: 'm3', user: 'expert', override: false, admins, bar, belowBar: false })?.code,
    ).toBe('HYDRA_MODEL_NOT_SIGNED_OFF');
    expect(
      activationProblem(models, { modelId: 'm3', user: 'expert', override: true, admins, bar, belowBar: false })?.code,
    ).toBe('HYDRA_NOT_ADMIN');
    expect(
      decideActivation(models, { modelId: 'm3', user: 'root', override: true, admins, bar, belowBar: false }),
    ).toMatchObject({
      override: true,
      previousModelId: 'm1',
    });
    expect(
      decideActivation(models, { modelId: 'x1', user: 'root', override: true, admins, bar, belowBar: false }),
    ).not.toHaveProperty('previousModelId');
  });

  it('refuses unknown, retired and already active models', () => {
    expect(
      activationProblem(models, { modelId: 'nope', user: 'e', override: false, admins, bar, belowBar: false })?.code,
    ).toBe('HYDRA_MODEL_UNKNOWN');
    expect(
      activationProblem(models, { modelId: 'm1', user: 'e', override: false, admins, bar, belowBar: false })?.code,
    ).toBe('HYDRA_MODEL_ALREADY_ACTIVE');
    const retired = foldModels([
      ...events,
      stored('model.retired', decideRetire(models, { modelId: 'm1', user: 'e' })),
    ]);
    expect(retired.get('m1')!.status).toBe('retired');
    expect(activeModel(retired, 'CDC')).toBeUndefined(); // retiring the active model leaves none
    expect(
      activationProblem(retired, { modelId: 'm1', user: 'e', override: false, admins, bar, belowBar: false })?.code,
    ).toBe('HYDRA_MODEL_RETIRED');
    expect(() => decideRetire(retired, { modelId: 'm1', user: 'e' })).toThrow(ModelLifecycleError);
    expect(() => decideSignOff(retired, { modelId: 'm1', user: 'e' })).toThrow(/retired/);
    expect(() => decideSignOff(models, { modelId: 'zz', user: 'e' })).toThrow(
      expect.objectContaining({ code: 'HYDRA_MODEL_UNKNOWN', status: 404 }),
    );
    expect(decideSignOff(models, { modelId: 'm3', user: 'e', comment: 'ok' })).toEqual({
      modelId: 'm3',
      plotType: 'CDC',
      user: 'e',
      comment: 'ok',
    });
  });
});

describe('activation bar', () => {
  // 42 Good and 187 Bad, all called Bad: 82 % accurate, and useless.
  const allBad = evaluate({
    labels: ['Good', 'Bad'],
    trueLabels: [...new Array<number>(9).fill(0), ...new Array<number>(37).fill(1)],
    probabilities: new Array(46).fill([0.2, 0.8]),
    imageIds: new Array(46).fill(0).map((_, i) => i.toString(16).padStart(64, '0')),
  });
  const { stored, trained } = history();
  const models = foldModels([
    trained('m1'),
    trained('w1', 'CDC', allBad),
    stored('model.signed-off', { modelId: 'w1', plotType: 'CDC', user: 'expert' }),
    stored('model.activated', { modelId: 'm1', plotType: 'CDC', user: 'expert' }),
  ]);
  const cmd = { modelId: 'w1', user: 'expert', override: false, admins, bar, belowBar: false };

  it('names every reason a model is under the bar, and none for a good one', () => {
    expect(allBad.accuracy).toBeGreaterThan(0.8);
    expect(modelBarProblems({ evaluation: allBad }, bar)).toEqual([
      "balanced accuracy 50.0 % is under the plot type's minimum 80.0 %",
      'it never recognised Good on validation (recall 0): it calls everything something else',
    ]);
    expect(modelBarProblems({ evaluation }, bar)).toEqual([]);
    expect(modelBarProblems({ evaluation: null }, bar)).toEqual([]); // imported: the site vouches for it
    expect(modelBarProblems({ evaluation }, { minBalancedAccuracy: 0.8, minRecall: 1 })).toEqual([]);
  });

  it('refuses to activate a signed-off model under the bar unless asked to, and records that it was', () => {
    const problem = activationProblem(models, cmd);
    expect(problem).toMatchObject({ code: 'HYDRA_MODEL_UNDER_BAR', status: 409 });
    expect(problem?.message).toMatch(/never recognised Good.*--below-bar/);
    expect(() => decideActivation(models, { ...cmd, override: true, admins: ['expert'] })).toThrow(
      expect.objectContaining({ code: 'HYDRA_MODEL_UNDER_BAR' }),
    );
    expect(decideActivation(models, { ...cmd, belowBar: true })).toMatchObject({
      belowBar: true,
      previousModelId: 'm1',
    });
    expect(activationProblem(models, { ...cmd, bar: { minBalancedAccuracy: 0.5, minRecall: 0 } })).toMatchObject({
      code: 'HYDRA_MODEL_UNDER_BAR', // recall 0 is never enough
    });
  });
});

describe('ONNX compatibility', () => {
  const want = { input: { width: 160, height: 120, channels: 3 }, labels: ['Good', 'Bad', 'NoData'] };
  const fits: OnnxInfo = {
    inputs: [{ name: 'input', type: 'float32', shape: ['batch', 3, 120, 160] }],
    outputs: [
      { name: 'logits', type: 'float32', shape: ['batch', 3] },
      { name: 'features', shape: ['batch', 128, 15, 20] },
      { name: 'cams', type: 'float32', shape: ['batch', 3, 15, 20] },
    ],
    probe: { ok: true, dims: { logits: [1, 3], features: [1, 128, 15, 20], cams: [1, 3, 15, 20] } },
  };

  it('accepts our exported shape, with or without cams', () => {
    expect(onnxProblems(fits, want)).toEqual([]);
    expect(
      onnxProblems({ ...fits, outputs: fits.outputs.slice(0, 1), probe: { ok: true, dims: { logits: [1, 3] } } }, want),
    ).toEqual([]);
  });

  it('names each mismatch: input size, channels, type, logits columns, cams, missing logits, a failed run', () => {
    expect(onnxProblems({ ...fits, inputs: [{ name: 'x', type: 'float32', shape: [1, 1, 120, 160] }] }, want)).toEqual([
      "input x must be [N, 3, 120, 160] (the plot type's channels, height, width), it is [1, 1, 120, 160]",
    ]);
    expect(
      onnxProblems({ ...fits, inputs: [{ name: 'x', type: 'uint8', shape: ['n', 3, 120, 160] }] }, want)[0],
    ).toContain('float32');
    expect(
      onnxProblems({ ...fits, inputs: [{ name: 'x', type: 'float32', shape: ['n', 120, 160, 3] }] }, want),
    ).toHaveLength(1);
    expect(
      onnxProblems(
        { ...fits, outputs: [{ name: 'logits', shape: ['n', 2] }], probe: { ok: true, dims: { logits: [1, 2] } } },
        want,
      )[0],
    ).toContain('one column per label: Good, Bad, NoData');
    expect(onnxProblems({ ...fits, outputs: [{ name: 'probs', shape: ['n', 3] }] }, want)[0]).toContain(
      'an output named "logits"; it has probs',
    );
    expect(
      onnxProblems({ ...fits, outputs: [fits.outputs[0]!, { name: 'cams', shape: ['n', 2, 15, 20] }] }, want)[0],
    ).toContain('cams must be [N, 3, h, w]');
    expect(onnxProblems({ ...fits, probe: { ok: false, error: 'Got invalid dimensions' } }, want)[0]).toContain(
      'running it on a 3x120x160 input failed: Got invalid dimensions',
    );
    // Symbolic dims everywhere: the run on one image decides.
    expect(
      onnxProblems(
        { ...fits, outputs: [{ name: 'logits', shape: null }], probe: { ok: true, dims: { logits: [1, 4] } } },
        want,
      )[0],
    ).toContain('gave logits [1, 4], expected [1, 3]');
    expect(onnxProblems({ ...fits, inputs: [] }, want)[0]).toContain('exactly one input');
  });

  it("checks an imported model's labels against the plot type", () => {
    expect(importLabelProblems(['Good', 'Bad'], ['Good', 'Bad', 'NoData'])).toEqual([]);
    expect(importLabelProblems(['Good'], ['Good', 'Bad'])[0]).toContain('two labels or more');
    expect(importLabelProblems(['Good', 'Good'], ['Good', 'Bad'])[0]).toContain('repeat');
    expect(importLabelProblems(['Good', 'Broken'], ['Good', 'Bad'])).toEqual([
      "Broken is not among the plot type's labels (Good, Bad)",
    ]);
  });
});

describe('rollback', () => {
  const { stored, trained } = history();
  const activated = (modelId: string, previousModelId?: string) =>
    stored('model.activated', {
      modelId,
      plotType: 'CDC',
      user: 'expert',
      ...(previousModelId ? { previousModelId } : {}),
    });

  it('goes back to the model the active one replaced', () => {
    const models = foldModels([trained('m1'), trained('m2'), activated('m1'), activated('m2', 'm1')]);
    expect(rollbackTarget(models, 'CDC').modelId).toBe('m1');
  });

  it('has nowhere to go without an active model, or when the active one replaced none', () => {
    const none = foldModels([trained('m1')]);
    expect(() => rollbackTarget(none, 'CDC')).toThrow(/no active model/);
    const first = foldModels([trained('m1'), activated('m1')]);
    expect(() => rollbackTarget(first, 'CDC')).toThrow(/nothing to roll back to/);
    try {
      rollbackTarget(first, 'CDC');
    } catch (err) {
      expect((err as ModelLifecycleError).code).toBe('HYDRA_MODEL_NO_ROLLBACK');
    }
  });
});

describe('thresholds', () => {
  const { stored, trained } = history();
  const models = foldModels([
    trained('m1'),
    trained('m2'),
    stored('model.retired', { modelId: 'm2', plotType: 'CDC', user: 'e' }),
  ]);

  it('sets some labels, keeps the others, names what they replace; the fold shows them', () => {
    const data = decideThresholds(models, { modelId: 'm1', user: 'e', thresholds: { Bad: 0.8 } })!;
    expect(data).toEqual({
      modelId: 'm1',
      plotType: 'CDC',
      user: 'e',
      thresholds: { ...evaluation.thresholds, Bad: 0.8 },
      previous: evaluation.thresholds,
    });
    const after = foldModels([trained('m1'), stored('model.thresholds-changed', data)]);
    expect(after.get('m1')!.thresholds.Bad).toBe(0.8);
    expect(after.get('m1')!.evaluation!.thresholds.Bad).toBe(evaluation.thresholds.Bad); // the trained one stays
    expect(decideThresholds(after, { modelId: 'm1', user: 'e', thresholds: { Bad: 0.8 } })).toBeNull();
  });

  it('refuses an unknown label, a threshold outside 0 to 1, a retired or unknown model', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as ModelLifecycleError).code;
      }
    };
    expect(code(() => decideThresholds(models, { modelId: 'm1', user: 'e', thresholds: { Meh: 0.5 } }))).toBe(
      'HYDRA_MODEL_BAD_THRESHOLD',
    );
    expect(code(() => decideThresholds(models, { modelId: 'm1', user: 'e', thresholds: { Bad: 1.5 } }))).toBe(
      'HYDRA_MODEL_BAD_THRESHOLD',
    );
    expect(code(() => decideThresholds(models, { modelId: 'm2', user: 'e', thresholds: { Bad: 0.7 } }))).toBe(
      'HYDRA_MODEL_RETIRED',
    );
    expect(code(() => decideThresholds(models, { modelId: 'm9', user: 'e', thresholds: { Bad: 0.7 } }))).toBe(
      'HYDRA_MODEL_UNKNOWN',
    );
  });
});
