import { describe, expect, it } from 'vitest';
import type { TrainingRow } from '../../projections/trainings/table.ts';
import { isLive, progressLine, reportProgress, timeLeftMs } from './training-progress.ts';

const epoch = (n: number, at: string) => ({ epoch: n, epochs: 10, loss: 0.5, valAccuracy: 0.8, at });
const row = (over: Partial<TrainingRow>): TrainingRow => ({
  trainingId: 'T-1',
  plotType: 'P',
  status: 'running',
  requester: 'ann',
  reason: '',
  parameters: null,
  requestedAt: '2026-12-04T10:00:00.000Z',
  epochs: [],
  modelId: null,
  result: null,
  failureCode: null,
  failureReason: null,
  finishedAt: null,
  ...over,
});

describe('training progress', () => {
  it('estimates the time left from the mean time between finished epochs, once there are two', () => {
    expect(timeLeftMs(row({ epochs: [epoch(1, '2026-12-04T10:01:00Z')] }))).toBeNull();
    const two = [epoch(1, '2026-12-04T10:01:00Z'), epoch(3, '2026-12-04T10:05:00Z')];
    expect(timeLeftMs(row({ epochs: two }))).toBe(7 * 120_000);
  });

  it('polls only while the run may still change', () => {
    expect(isLive(row({ status: 'requested' }))).toBe(true);
    expect(reportProgress(row({ status: 'running' })).value).toContain('hx-trigger="every 2s"');
    expect(reportProgress(row({ status: 'completed' })).value).not.toContain('hx-trigger');
    expect(reportProgress(row({ status: 'failed' })).value).not.toContain('hx-get');
  });

  it('says where a run stands, and what it waits for before its first epoch', () => {
    expect(progressLine(row({ status: 'requested' })).value).toContain('waiting for a training worker');
    const line = progressLine(row({ epochs: [epoch(1, '2026-12-04T10:01:00Z'), epoch(2, '2026-12-04T10:02:00Z')] }));
    expect(line.value).toContain('epoch <strong class="epoch">2</strong> of 10, loss 0.500, validation accuracy 80%');
    expect(line.value).toContain('about 8 min left');
  });
});
