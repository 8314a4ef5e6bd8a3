import { describe, expect, it } from 'vitest';
import { parseTrainerLine, settle, toFailureCode, type TrainerOutcome } from './trainer-process.ts';

describe('parseTrainerLine', () => {
  it('reads the trainer events and ignores anything else', () => {
    const epoch = parseTrainerLine(
      '{"event": "epoch", "epoch": 2, "epochs": 5, "loss": 0.3, "val_loss": 0.4, "val_accuracy": 0.9, "lr": 0.001, "images_per_second": 800, "seconds": 0.2}',
    );
    expect(epoch).toMatchObject({ event: 'epoch', epoch: 2, val_accuracy: 0.9 });
    expect(parseTrainerLine('{"event": "failed", "code": "nan-loss", "reason": "x"}')).toEqual({
      event: 'failed',
      code: 'nan-loss',
      reason: 'x',
    });
    expect(parseTrainerLine('============= Diagnostic Run torch.onnx.export =============')).toBeNull();
    expect(parseTrainerLine('{"event": "epoch", "epoch": "two"}')).toBeNull();
    expect(parseTrainerLine('{not json')).toBeNull();
  });
  it('maps unknown failure codes to trainer-crashed', () => {
    expect(toFailureCode('out-of-memory')).toBe('out-of-memory');
    expect(toFailureCode('something-new')).toBe('trainer-crashed');
  });
});

describe('settle', () => {
  const completed = { ok: true, modelPath: '/m' } as unknown as TrainerOutcome;
  it('keeps a reported result', () => {
    expect(settle(completed, { code: 0, signal: null }, false, '')).toBe(completed);
    const failed: TrainerOutcome = { ok: false, code: 'too-few-labels', reason: 'Bad: 2' };
    expect(settle(failed, { code: 2, signal: null }, false, '')).toBe(failed);
  });
  it('turns an exit without a result into trainer-crashed with the stderr tail', () => {
    const r = settle(
      undefined,
      { code: 1, signal: null },
      false,
      'Traceback (most recent call last):\nValueError: boom\n',
    );
    expect(r).toMatchObject({ ok: false, code: 'trainer-crashed' });
    expect(!r.ok && r.reason).toContain('ValueError: boom');
    expect(settle(completed, { code: null, signal: 'SIGKILL' }, false, '').ok).toBe(false); // a result, then killed: not trusted
    const killed = settle(undefined, { code: null, signal: 'SIGKILL' }, false, '');
    expect(!killed.ok && killed.reason).toContain('SIGKILL');
  });
  it('reports cancellation as cancelled', () => {
    expect(settle(undefined, { code: null, signal: 'SIGTERM' }, true, '')).toMatchObject({
      ok: false,
      code: 'cancelled',
    });
  });
});
