import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { DEFAULT_SUSTAIN_POLICY } from '../sustain/worker.ts';
import { sustainPolicyOf } from './sustain.ts';

describe("the sustain role's policy", () => {
  it('is the defaults unless a site sets the HYDRA_SUSTAIN_* thresholds', () => {
    expect(sustainPolicyOf(loadConfig({}))).toEqual(DEFAULT_SUSTAIN_POLICY);
    const set = sustainPolicyOf(
      loadConfig({
        HYDRA_SUSTAIN_DRIFT_WINDOW: '1000',
        HYDRA_SUSTAIN_DRIFT_THRESHOLD: '0.3',
        HYDRA_SUSTAIN_MIX_REFERENCE: '200',
        HYDRA_SUSTAIN_MIX_ALPHA: '0.01',
        HYDRA_SUSTAIN_MIX_MIN_SHIFT: '0.1',
        HYDRA_SUSTAIN_MAX_LABEL_WAIT_HOURS: '2',
      }),
    );
    expect(set).toMatchObject({
      driftWindow: 1000,
      driftThreshold: 0.3,
      mixReference: 200,
      mixAlpha: 0.01,
      mixMinShift: 0.1,
      maxWaitMs: 2 * 3600_000,
    });
  });

  it('refuses thresholds outside their range', () => {
    expect(() => loadConfig({ HYDRA_SUSTAIN_MIX_MIN_SHIFT: '2' })).toThrow(ConfigError);
    expect(() => loadConfig({ HYDRA_SUSTAIN_DRIFT_WINDOW: '5' })).toThrow(/HYDRA_SUSTAIN_DRIFT_WINDOW/);
    expect(() => loadConfig({ HYDRA_SUSTAIN_MIX_ALPHA: '0' })).toThrow(ConfigError);
  });
});
