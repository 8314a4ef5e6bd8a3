import { describe, expect, it } from 'vitest';
import { decodeEvent, validateData, upcast, definitionOf } from './catalog.ts';
import { EventValidationError, UnknownEventTypeError } from './errors.ts';
import { defineEvent } from './define.ts';
import { arrivalIdOf } from './image.ts';
import { encodeKey, namesFor } from './subjects.ts';
import { z } from 'zod';

const sha = 'a'.repeat(64);
const arrived = {
  arrivalId: 'b'.repeat(64),
  imageId: sha,
  plotType: 'CDC_occupancy',
  run: 101072,
  chunk: 3,
  pad: 1,
  arrivedAt: '2026-11-26T10:00:00.000Z',
  width: 800,
  height: 600,
  bytes: 1234,
  source: 'CDC_occupancy-01_0003.png',
};

describe('event catalog', () => {
  it('validates data and reports every bad field', () => {
    expect(validateData('image.arrived', arrived).run).toBe(101072);
    try {
      validateData('image.arrived', { ...arrived, imageId: 'nope', run: -1 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EventValidationError);
      expect((err as Error).message).toMatch(/imageId/);
      expect((err as Error).message).toMatch(/run/);
    }
  });

  it('accepts only what a read model can store: whole numbers up to 2^31-1, times from 1970 to 9999', () => {
    expect(validateData('image.arrived', { ...arrived, run: 2_147_483_647 }).run).toBe(2_147_483_647);
    for (const bad of [
      { run: 2_147_483_648 },
      { chunk: 3_000_000_000 },
      { width: 0 },
      { arrivedAt: '0000-01-01T00:00:00Z' },
      { arrivedAt: '9999-12-31T20:00:00-14:00' },
    ]) {
      expect(() => validateData('image.arrived', { ...arrived, ...bad }), JSON.stringify(bad)).toThrow(
        new RegExp(Object.keys(bad)[0]!),
      );
    }
  });

  it('refuses unknown types', () => {
    expect(() => definitionOf('image.exploded')).toThrow(UnknownEventTypeError);
  });

  it('decodes an envelope into a typed event', () => {
    const raw = JSON.stringify({
      id: 'x1',
      type: 'image.arrived',
      version: 1,
      time: '2026-11-26T10:00:00.000Z',
      key: sha,
      data: arrived,
      metadata: { correlationId: 'c', producer: 'test' },
    });
    const e = decodeEvent(raw, 7, `hydra.image.arrived.${sha}`);
    expect(e.seq).toBe(7);
    if (e.type !== 'image.arrived') throw new Error('wrong type');
    expect(e.data.plotType).toBe('CDC_occupancy');
  });

  it('reads version 1 arrivals and verdicts as the one arrival of their image (arrivalId = imageId)', () => {
    const { arrivalId: _, ...v1 } = arrived;
    const envelope = (type: string, data: object) =>
      JSON.stringify({
        id: 'x',
        type,
        version: 1,
        time: '2026-11-26T10:00:00.000Z',
        key: sha,
        data,
        metadata: { correlationId: 'c', producer: 'test' },
      });
    const a = decodeEvent(envelope('image.arrived', v1), 1, `hydra.image.arrived.${sha}`);
    expect(a).toMatchObject({ version: 2, data: { arrivalId: sha, imageId: sha, chunk: 3 } });
    const verdict = { imageId: sha, plotType: 'P', modelId: 'm', scores: { Good: 1 }, verdict: 'Good' };
    const completed = {
      ...verdict,
      confidence: 1,
      confirmed: true,
      timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
    };
    for (const [type, data] of [
      ['inference.completed', completed],
      ['inference.skipped', { imageId: sha, plotType: 'P', reason: 'ignored' }],
      ['inference.failed', { imageId: sha, plotType: 'P', reason: 'corrupt' }],
    ] as const) {
      expect(decodeEvent(envelope(type, data), 2, `hydra.${type}.${sha}`).data, type).toMatchObject({ arrivalId: sha });
    }
    // Version 2 says which arrival: it is required.
    expect(() => validateData('inference.skipped', { imageId: sha, plotType: 'P', reason: 'ignored' })).toThrow(
      /arrivalId/,
    );
  });

  it('names one observation of a plot by plot type, run, chunk, pad and content', () => {
    const o = { plotType: 'P', run: 1, chunk: 2, pad: 1, imageId: sha };
    expect(arrivalIdOf(o)).toMatch(/^[0-9a-f]{64}$/);
    expect(arrivalIdOf({ ...o })).toBe(arrivalIdOf(o));
    for (const other of [{ plotType: 'Q' }, { run: 2 }, { chunk: 3 }, { pad: 2 }, { imageId: 'b'.repeat(64) }])
      expect(arrivalIdOf({ ...o, ...other }), JSON.stringify(other)).not.toBe(arrivalIdOf(o));
    // Fields cannot run into each other.
    expect(arrivalIdOf({ ...o, run: 11, chunk: 2 })).not.toBe(arrivalIdOf({ ...o, run: 1, chunk: 12 }));
  });

  it('rejects envelopes that are not JSON or miss fields', () => {
    expect(() => decodeEvent('{nope', 1, 's')).toThrow(/not JSON/);
    expect(() => decodeEvent(JSON.stringify({ type: 'image.arrived' }), 1, 's')).toThrow(EventValidationError);
  });

  it('upcasts old versions step by step', () => {
    const def = defineEvent({
      type: 'demo.renamed',
      version: 3,
      description: 'demo',
      schema: z.object({ fullName: z.string(), tags: z.array(z.string()) }),
      key: (d) => d.fullName,
      upcasters: {
        1: (d) => ({ fullName: (d as { name: string }).name }),
        2: (d) => ({ ...(d as object), tags: [] }),
      },
    });
    expect(upcast(def, 1, { name: 'x' })).toEqual({ fullName: 'x', tags: [] });
    expect(upcast(def, 3, { fullName: 'y', tags: ['a'] })).toEqual({ fullName: 'y', tags: ['a'] });
    expect(() => upcast(def, 4, {})).toThrow(/newer/);
  });

  it('makes subjects of the form <ns>.<aggregate>.<event>.<key>', () => {
    const n = namesFor('hydra');
    expect(n.subject('image.arrived', sha)).toBe(`hydra.image.arrived.${sha}`);
    expect(encodeKey('a b.c')).toMatch(/^~/);
    expect(n.stream).toBe('HYDRA');
  });
});
