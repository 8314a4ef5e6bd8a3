import { describe, expect, it } from 'vitest';
import { mixText, verdictMixOf } from './mix.ts';
import { DEFAULT_RETRAIN_POLICY } from './policy.ts';

const policy = DEFAULT_RETRAIN_POLICY;

/** k verdicts drawn from a fixed pseudo-random sequence, Bad with probability `bad`. */
function draw(k: number, bad: number, seed: number): Record<string, number> {
  let x = seed;
  const out = { Good: 0, Bad: 0 };
  for (let i = 0; i < k; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    if (x / 2147483648 < bad) out.Bad++;
    else out.Good++;
  }
  return out;
}

describe('verdictMixOf', () => {
  it('says nothing before the reference is complete and enough verdicts followed it', () => {
    expect(verdictMixOf({ Good: 50, Bad: 49 }, { Good: 0, Bad: 400 }, policy)).toBeNull();
    expect(verdictMixOf({ Good: 50, Bad: 50 }, { Good: 0, Bad: 49 }, policy)).toBeNull();
    expect(verdictMixOf(undefined, { Bad: 400 }, policy)).toBeNull();
  });

  it('sees a confidently wrong model: Good plots now called Bad', () => {
    // The e2e test's case: 100 first verdicts half Good, then 100 more like them and 100 of the changed detector, all Bad.
    const m = verdictMixOf({ Good: 50, Bad: 50 }, { Good: 50, Bad: 150 }, policy);
    expect(m).toMatchObject({ reference: 100, recent: 200, shifted: 'Bad', drifting: true });
    expect(m?.shift).toBeCloseTo(0.25, 10);
    expect(m?.pValue).toBeLessThan(policy.mixAlpha);
    expect(mixText(m!)).toMatch(/^Bad 75\.0 % of the latest 200 verdicts against 50\.0 % of the first 100 \(p = /);
    expect(m?.labels).toEqual([
      { label: 'Bad', reference: 50, recent: 150 },
      { label: 'Good', reference: 50, recent: 50 },
    ]);
  });

  it("fires on the e2e test's change within its hundred changed plots, none of them labelled", () => {
    // First 100 verdicts half Bad; 100 more like them; then plots of the changed detector, every one called Bad.
    let k = 0;
    while (!verdictMixOf({ Good: 50, Bad: 50 }, { Good: 50, Bad: 50 + k }, policy)?.drifting) k++;
    console.log(`verdict mix: drifting after ${k} changed plots (about ${Math.ceil(k / 2)} Good ones called Bad)`);
    expect(k).toBe(68);
  });

  it('wants both significance and size: a trifle over a huge window, or a big move on few verdicts, is not drift', () => {
    const trifle = verdictMixOf({ Good: 9000, Bad: 1000 }, { Good: 8800, Bad: 1200 }, { ...policy, mixReference: 10 });
    expect(trifle?.pValue).toBeLessThan(policy.mixAlpha);
    expect(trifle?.drifting).toBe(false);
    const few = verdictMixOf({ Good: 90, Bad: 10 }, { Good: 35, Bad: 15 }, policy);
    expect(few?.shift).toBeGreaterThan(policy.mixMinShift);
    expect(few?.drifting).toBe(false);
  });

  it('stays quiet on an unchanged detector: of 200 draws of the same mix, none drifts', () => {
    let alarms = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const m = verdictMixOf(draw(100, 0.1, seed), draw(400, 0.1, seed + 1000), policy);
      if (m?.drifting) alarms++;
    }
    expect(alarms).toBe(0);
  });
});
