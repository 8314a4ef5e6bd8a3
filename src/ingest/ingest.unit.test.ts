import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { checkPng } from './png.ts';
import { matchFileName, patternProblem, DEFAULT_PATTERN } from './naming.ts';
import { inUnbiasedSample } from './sampling.ts';
import { runFromDirectoryName } from './conditions.ts';
import { isCandidate, settled } from './feeder.ts';
import { safeFileName } from './files.ts';
import { createHash } from 'node:crypto';

const png = (w = 40, h = 30) =>
  sharp({ create: { width: w, height: h, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();
const limits = { maxPixels: 10_000_000 };
const spec = (name: string, pattern = DEFAULT_PATTERN) => ({ name, pattern }) as never;

describe('PNG structure check', () => {
  it('accepts a whole PNG and reads its size', async () => {
    expect(checkPng(await png(40, 30), limits)).toEqual({ ok: true, width: 40, height: 30 });
  });
  it('names each way a file can be bad', async () => {
    const good = await png();
    expect(checkPng(Buffer.alloc(0), limits)).toMatchObject({ ok: false, code: 'empty' });
    expect(checkPng(good.subarray(0, good.length - 20), limits)).toMatchObject({ ok: false, code: 'truncated' });
    expect(checkPng(good.subarray(0, 5), limits)).toMatchObject({ ok: false, code: 'truncated' });
    const jpeg = await sharp(good).jpeg().toBuffer();
    expect(checkPng(jpeg, limits)).toMatchObject({
      ok: false,
      code: 'not-image',
      reason: expect.stringMatching(/JPEG/),
    });
    expect(checkPng(Buffer.from('hello, this is text'), limits)).toMatchObject({ ok: false, code: 'not-image' });
    const flipped = Buffer.from(good);
    flipped[good.length - 20] = flipped[good.length - 20]! ^ 0xff; // inside the image data
    expect(checkPng(flipped, limits)).toMatchObject({
      ok: false,
      code: 'unreadable',
      reason: expect.stringMatching(/CRC/),
    });
    expect(checkPng(await png(400, 300), { maxPixels: 1000 })).toMatchObject({ ok: false, code: 'too-large' });
  });
});

describe('file names', () => {
  const types = [
    spec('CDC_occupancy'),
    spec('FCAL_occupancy'),
    spec('custom', '^(?<plot>custom)-(?<run>\\d+)-(?<pad>\\d+)-(?<chunk>\\d+)\\.png$'),
  ];
  it('finds the plot type, pad and chunk', () => {
    expect(matchFileName('CDC_occupancy-01_0007.png', types)).toEqual({
      kind: 'matched',
      match: { plotType: 'CDC_occupancy', pad: 1, chunk: 7 },
    });
    expect(matchFileName('custom-101072-2-3.png', types)).toEqual({
      kind: 'matched',
      match: { plotType: 'custom', pad: 2, chunk: 3, run: 101072 },
    });
  });
  it('keeps images of unconfigured types and refuses names it cannot read', () => {
    expect(matchFileName('NEW_plot-01_0001.png', types)).toMatchObject({ kind: 'unassigned', plotName: 'NEW_plot' });
    expect(matchFileName('my plot ü.png', types)).toMatchObject({ kind: 'bad-name' });
    expect(matchFileName('notes.txt', types)).toMatchObject({ kind: 'bad-name' });
  });
  it('matches the .png extension in any case', () => {
    expect(matchFileName('CDC_occupancy-01_0007.PNG', types)).toMatchObject({
      kind: 'matched',
      match: { plotType: 'CDC_occupancy', pad: 1, chunk: 7 },
    });
    expect(matchFileName('NEW_plot-01_0001.Png', types)).toMatchObject({ kind: 'unassigned', plotName: 'NEW_plot' });
  });
  it('checks patterns: RE2 syntax, and the plot, pad and chunk groups', () => {
    expect(patternProblem('(')).toMatch(/not a regular expression Hydra can run in linear time/);
    expect(patternProblem('^(?<plot>a)(?<pad>b)(?<chunk>c)\\1$')).toMatch(/RE2/); // a back-reference
    expect(patternProblem('^x\\.png$')).toMatch(/missing plot, pad, chunk/);
    expect(patternProblem('^x-(?<pad>\\d+)_(?<chunk>\\d+)\\.png$')).toMatch(/missing plot$/);
    expect(patternProblem(DEFAULT_PATTERN)).toBeNull();
  });
  it('matches a catastrophic-backtracking pattern in linear time, and refuses over-long names unmatched', () => {
    const evil = spec('aaa', '^(?<plot>(a+)+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.png$');
    // On a backtracking engine one 40-character name of this shape does not finish in minutes.
    for (const n of [40, 1000, 1024]) {
      const name = `${'a'.repeat(n - 1)}!`;
      expect(matchFileName(name, [evil])).toMatchObject({ kind: 'bad-name' });
    }
    expect(matchFileName('aaa-01_0002.png', [evil])).toMatchObject({ kind: 'matched', match: { plotType: 'aaa' } });
    expect(matchFileName('a'.repeat(5000), [evil])).toEqual({
      kind: 'bad-name',
      reason: 'file name is 5000 characters long, over the limit of 1024',
    });
  });
  it('never gives a plot type a file its pattern names as another type', () => {
    const greedy = spec('mine', '^(?<plot>[A-Za-z_]+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.png$');
    expect(matchFileName('other-01_0001.png', [greedy])).toMatchObject({ kind: 'unassigned', plotName: 'other' });
  });
});

describe('unbiased sample', () => {
  it('takes about the collect percentage, the same way every time', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => createHash('sha256').update(String(i)).digest('hex'));
    const taken = ids.filter((id) => inUnbiasedSample(id, 10)).length;
    expect(taken / ids.length).toBeGreaterThan(0.08);
    expect(taken / ids.length).toBeLessThan(0.12);
    expect(ids.filter((id) => inUnbiasedSample(id, 10)).length).toBe(taken);
    expect(ids.every((id) => !inUnbiasedSample(id, 0) && inUnbiasedSample(id, 100))).toBe(true);
  });
});

describe('feeder decisions', () => {
  it('skips temporary names and sidecars', () => {
    expect(isCandidate('.CDC-01_0001.png.tmp')).toBe(false);
    expect(isCandidate('x.png.part')).toBe(false);
    expect(isCandidate('run.json')).toBe(false);
    expect(isCandidate('CDC-01_0001.png')).toBe(true);
  });
  it('waits until a file has settled', () => {
    const first = settled(undefined, 10, 1, 1000, 300);
    expect(first.ready).toBe(false);
    expect(settled(first, 10, 1, 1200, 300).ready).toBe(false);
    expect(settled(first, 10, 1, 1400, 300).ready).toBe(true);
    expect(settled(first, 20, 2, 1400, 300).ready).toBe(false);
    expect(settled(undefined, 10, 1, 1000, 0).ready).toBe(true);
  });
  it('reads run numbers from directory names', () => {
    expect(runFromDirectoryName('/in/run-101072')).toBe(101072);
    expect(runFromDirectoryName('Run_000042')).toBe(42);
    expect(runFromDirectoryName('misc')).toBeUndefined();
  });
  it('makes kept file names safe', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('..hidden.png')).toBe('_hidden.png');
    expect(safeFileName('plot ü 1.png')).toBe('plot ü 1.png');
  });
});
