import { describe, expect, it } from 'vitest';
import { chooseBackbone, pretextLabel } from './backbone.ts';

describe('chooseBackbone', () => {
  it('starts from the shipped backbone by default where it can', () => {
    expect(chooseBackbone(undefined, 3, true)).toEqual({ use: true });
    expect(chooseBackbone('shipped', 3, true)).toEqual({ use: true });
  });

  it('trains from scratch when told, or by default where it cannot, saying why', () => {
    expect(chooseBackbone('none', 3, true)).toEqual({ use: false });
    expect(chooseBackbone(undefined, 1, true)).toEqual({
      use: false,
      note: expect.stringMatching(
        /3-channel inputs and this plot type's input has 1: training every block from scratch/,
      ),
    });
    expect(chooseBackbone(undefined, 3, false)).toMatchObject({
      use: false,
      note: expect.stringMatching(/npm run backbone/),
    });
  });

  it('refuses a run that asks for the backbone where it cannot be used', () => {
    expect(chooseBackbone('shipped', 1, true)).toMatchObject({ use: false, refused: expect.stringMatching(/has 1/) });
    expect(chooseBackbone('shipped', 3, false)).toMatchObject({
      use: false,
      refused: expect.stringMatching(/no backbone/),
    });
  });

  it('names a pretext class by plot type and label, as a token', () => {
    expect(pretextLabel('FCAL_occupancy', 'Bad')).toBe('FCAL_occupancy-Bad');
  });
});
