import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { manifestHash, datasetFileSchema } from './dataset-file.ts';

const id = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('manifestHash', () => {
  it('depends on the (image, label) pairs, not their order', () => {
    const a = [
      { imageId: id('1'), label: 'Good' },
      { imageId: id('2'), label: 'Bad' },
    ];
    expect(manifestHash(a)).toBe(manifestHash([...a].reverse()));
    expect(manifestHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(
      manifestHash([
        { imageId: id('1'), label: 'Bad' },
        { imageId: id('2'), label: 'Bad' },
      ]),
    ).not.toBe(manifestHash(a));
  });
});

describe('datasetFileSchema', () => {
  const valid = {
    format: 'hydra-dataset',
    version: 1,
    labels: ['Good', 'Bad'],
    input: { width: 4, height: 4, channels: 1 },
    count: 1,
    pixels: { file: 'pixels.u8', dtype: 'uint8', layout: 'NCHW' },
    samples: [{ imageId: id('x'), label: 1, split: 'train' }],
    sampling: { method: 'none', lossWeights: [1, 1], samplerWeights: [1, 1] },
    validationFraction: 0.2,
    seed: 1,
    manifestHash: id('m'),
  };
  it('accepts a consistent file and rejects out-of-range labels and wrong counts', () => {
    expect(datasetFileSchema.safeParse(valid).success).toBe(true);
    expect(datasetFileSchema.safeParse({ ...valid, count: 2 }).success).toBe(false);
    expect(
      datasetFileSchema.safeParse({ ...valid, samples: [{ imageId: id('x'), label: 2, split: 'train' }] }).success,
    ).toBe(false);
    expect(
      datasetFileSchema.safeParse({ ...valid, sampling: { method: 'none', lossWeights: [1], samplerWeights: [1, 1] } })
        .success,
    ).toBe(false);
  });
});
