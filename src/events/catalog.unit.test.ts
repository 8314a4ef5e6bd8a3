import { describe, expect, it } from 'vitest';
import { decodeEvent, validateData, upcast, definitionOf } from './catalog.ts';
import { EventValidationError, UnknownEventTypeError } from './errors.ts';
import { defineEvent } from './define.ts';
import { encodeKey, namesFor } from './subjects.ts';
import { z } from 'zod';

const sha = 'a'.repeat(64);
const arrived = {
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
