import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { preprocess, PreprocessError, preprocessBatch, toFloat32 } from './index.ts';

/** A solid-colour PNG, optionally with rectangles of other colours drawn on it (made in memory). */
async function png(
  width: number,
  height: number,
  background: { r: number; g: number; b: number; alpha?: number },
  rects: { x: number; y: number; width: number; height: number; colour: string }[] = [],
): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rects
    .map((r) => `<rect x="${r.x}" y="${r.y}" width="${r.width}" height="${r.height}" fill="${r.colour}"/>`)
    .join('')}</svg>`;
  return sharp({ create: { width, height, channels: 4, background: { alpha: 1, ...background } } })
    .composite([{ input: Buffer.from(svg), left: 0, top: 0 }])
    .png()
    .toBuffer();
}

const at = (p: Uint8Array, w: number, h: number, c: number, x: number, y: number): number => p[c * w * h + y * w + x]!;

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PreprocessError);
  expect((err as PreprocessError).code).toBe(code);
}

describe('preprocess', () => {
  it('returns C x H x W planar bytes at the model size, with the source size', async () => {
    const img = await png(40, 30, { r: 255, g: 0, b: 0 });
    const r = await preprocess(img, { width: 16, height: 8, channels: 3, masks: [] });
    expect(r.pixels).toHaveLength(3 * 8 * 16);
    expect([r.sourceWidth, r.sourceHeight]).toEqual([40, 30]);
    expect(r.pixels.subarray(0, 128).every((v) => v === 255)).toBe(true); // red plane
    expect(r.pixels.subarray(128, 384).every((v) => v === 0)).toBe(true); // green and blue planes
  });

  it('keeps colour positions apart in the planes (planar, not interleaved)', async () => {
    const img = await png(20, 10, { r: 255, g: 255, b: 255 }, [
      { x: 0, y: 0, width: 10, height: 10, colour: '#0000ff' },
    ]);
    const r = await preprocess(img, { width: 20, height: 10, channels: 3 });
    expect([at(r.pixels, 20, 10, 0, 2, 5), at(r.pixels, 20, 10, 1, 2, 5), at(r.pixels, 20, 10, 2, 2, 5)]).toEqual([
      0, 0, 255,
    ]);
    expect([at(r.pixels, 20, 10, 0, 15, 5), at(r.pixels, 20, 10, 2, 15, 5)]).toEqual([255, 255]);
  });

  it('converts colour to one grey channel, and grey to three equal channels', async () => {
    const colour = await png(12, 12, { r: 0, g: 128, b: 255 });
    const grey = await preprocess(colour, { width: 6, height: 6, channels: 1 });
    expect(grey.pixels).toHaveLength(36);
    const v = grey.pixels[0]!;
    expect(v).toBeGreaterThan(60);
    expect(v).toBeLessThan(200);
    expect(grey.pixels.every((x) => x === v)).toBe(true);

    const greyPng = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#505050' } })
      .greyscale()
      .png()
      .toBuffer();
    const rgb = await preprocess(greyPng, { width: 4, height: 4, channels: 3 });
    expect(rgb.pixels).toHaveLength(48);
    expect(rgb.pixels.every((x) => x === 0x50)).toBe(true);
  });

  it('flattens transparency onto the white canvas', async () => {
    const clear = await png(8, 8, { r: 0, g: 0, b: 0, alpha: 0 });
    const r = await preprocess(clear, { width: 4, height: 4, channels: 1 });
    expect(r.pixels.every((x) => x === 255)).toBe(true);
  });

  it('blanks masks given in source pixels, landing in the matching place after resizing', async () => {
    // Black 200x100 source; mask the top-right quadrant (source pixels 100..199 x 0..49); model input 20x10.
    const img = await png(200, 100, { r: 0, g: 0, b: 0 });
    const r = await preprocess(img, {
      width: 20,
      height: 10,
      channels: 1,
      masks: [{ x: 100, y: 0, width: 100, height: 50 }],
    });
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 20; x++) {
        const v = at(r.pixels, 20, 10, 0, x, y);
        const inside = x >= 10 && y < 5;
        const edge = x === 9 || x === 10 || y === 4 || y === 5;
        if (!edge) expect(v, `pixel ${x},${y}`).toBe(inside ? 255 : 0);
      }
    }
    // The un-masked image is all black: the mask, not the source, made the white.
    const plain = await preprocess(img, { width: 20, height: 10, channels: 1 });
    expect(plain.pixels.every((x) => x === 0)).toBe(true);
  });

  it('clips masks that reach past the image and ignores ones wholly outside', async () => {
    const img = await png(50, 50, { r: 0, g: 0, b: 0 });
    const r = await preprocess(img, {
      width: 10,
      height: 10,
      channels: 1,
      masks: [
        { x: 40, y: 40, width: 500, height: 500 },
        { x: 900, y: 0, width: 5, height: 5 },
      ],
    });
    expect(at(r.pixels, 10, 10, 0, 9, 9)).toBe(255);
    expect(at(r.pixels, 10, 10, 0, 0, 0)).toBe(0);
  });

  it('is deterministic, and the batch variant gives the same bytes in order', async () => {
    const a = await png(64, 48, { r: 10, g: 200, b: 30 }, [{ x: 5, y: 7, width: 11, height: 3, colour: '#ff00ff' }]);
    const b = await png(64, 48, { r: 250, g: 250, b: 250 }, [
      { x: 30, y: 20, width: 20, height: 20, colour: '#123456' },
    ]);
    const spec = { width: 17, height: 13, channels: 3 as const, masks: [{ x: 1, y: 1, width: 9, height: 9 }] };
    const first = await preprocess(a, spec);
    const again = await preprocess(a, spec);
    expect(Buffer.from(again.pixels).equals(Buffer.from(first.pixels))).toBe(true);
    const second = await preprocess(b, spec);
    const batch = await preprocessBatch([a, b, Buffer.from('junk')], spec, { concurrency: 2 });
    const n = first.pixels.length;
    expect(Buffer.from(batch.pixels.subarray(0, n)).equals(Buffer.from(first.pixels))).toBe(true);
    expect(Buffer.from(batch.pixels.subarray(n, 2 * n)).equals(Buffer.from(second.pixels))).toBe(true);
    expect(batch.results.map((r) => r.ok)).toEqual([true, true, false]);
    const failed = batch.results[2]!;
    expect(!failed.ok && failed.error.code).toBe('image-undecodable');
    expect(Array.from(toFloat32(first.pixels.subarray(0, 4)))).toEqual(Array.from(first.pixels.subarray(0, 4)));
  });

  it('gives the same bytes without masks (one libvips pass) as with a mask that blanks nothing (decode, then resize)', async () => {
    const half = await png(203, 151, { r: 0, g: 0, b: 0, alpha: 0.4 }, [
      { x: 3, y: 5, width: 120, height: 1, colour: '#ff0000' },
      { x: 50, y: 20, width: 7, height: 90, colour: '#10c040' },
      { x: 150, y: 100, width: 40, height: 40, colour: '#2030ff' },
    ]);
    const outside = [{ x: 5000, y: 5000, width: 1, height: 1 }];
    for (const channels of [1, 3] as const) {
      const spec = { width: 37, height: 23, channels };
      const one = await preprocess(half, spec);
      const two = await preprocess(half, { ...spec, masks: outside });
      expect(Buffer.from(one.pixels).equals(Buffer.from(two.pixels)), `channels ${channels}`).toBe(true);
      expect([one.sourceWidth, one.sourceHeight]).toEqual([203, 151]);
    }
  });

  it('rejects empty, truncated and non-image input and bad specs with typed codes', async () => {
    const good = await png(30, 30, { r: 1, g: 2, b: 3 }, [{ x: 3, y: 3, width: 9, height: 9, colour: '#ffffff' }]);
    const spec = { width: 8, height: 8, channels: 1 as const };
    await expectCode(preprocess(Buffer.alloc(0), spec), 'image-empty');
    await expectCode(preprocess(good.subarray(0, good.length - 20), spec), 'image-undecodable');
    await expectCode(preprocess(good.subarray(0, 60), spec), 'image-undecodable');
    await expectCode(preprocess(Buffer.from('not a png at all'), spec), 'image-undecodable');
    await expectCode(preprocess(good, { width: 0, height: 8, channels: 1 }), 'invalid-spec');
    await expectCode(preprocess(good, { width: 8, height: 8, channels: 2 as unknown as 1 }), 'invalid-spec');
  });
});
