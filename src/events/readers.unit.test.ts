import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalog } from './catalog.ts';
import { defineEvent } from './define.ts';
import { imageArrived } from './image.ts';
import { newsPosted } from './news.ts';
import { formatReaderGuide, keyGuide, readerGuide } from './readers.ts';
import { encodeKey, namesFor } from './subjects.ts';

describe('the reader guide (hydra events info)', () => {
  it('names the stream as the namespace upper-cased, and the buckets after it', () => {
    const g = readerGuide('site-a');
    expect(g.stream).toEqual({ name: 'SITE_A', subjects: 'site-a.>', subject: 'site-a.{aggregate}.{event}.{key}' });
    expect(g.stream.name).toBe(namesFor('site-a').stream);
    expect(g.blobs.bucket).toBe(namesFor('site-a').blobBucket);
    expect(g.blobs.stream).toBe('OBJ_SITE_A_BLOBS');
    expect(g.blobs.metaSubject).toBe('$O.SITE_A_BLOBS.M.{base64url(name), padded}');
    expect(g.heartbeats).toEqual({ bucket: 'SITE_A_STATUS', stream: 'KV_SITE_A_STATUS' });
  });

  it('finds the fields a key is made of from the key function itself', () => {
    expect(keyGuide(imageArrived)).toEqual({ fields: ['imageId'], template: '{imageId}' });
    expect(keyGuide(newsPosted)).toEqual({ constant: 'banner' });
    const pair = defineEvent({
      type: 'test.paired',
      schema: z.object({ a: z.string(), b: z.string() }),
      description: 'two fields',
      key: (d) => `${d.a}:${d.b}`,
    });
    expect(keyGuide(pair)).toEqual({ fields: ['a', 'b'], template: '{a}:{b}' });
  });

  it('lists every event type with its version and a subject that matches what the log writes', () => {
    const g = readerGuide('hydra');
    expect(g.events.map((e) => [e.type, e.version])).toEqual(catalog.map((d) => [d.type, d.version]));
    for (const e of g.events) {
      const def = catalog.find((d) => d.type === e.type)!;
      const data = 'constant' in e.key ? {} : Object.fromEntries(e.key.fields.map((f) => [f, `v/${f}`]));
      const key = (def.key as (d: unknown) => string)(data);
      const filled = 'constant' in e.key ? e.subject : e.subject.replace(e.key.template, encodeKey(key));
      expect(filled, e.type).toBe(namesFor('hydra').subject(e.type, key));
    }
  });

  it('prints one line per event type under the stream, blob and key rules', () => {
    const text = formatReaderGuide(readerGuide('hydra'));
    expect(text).toMatch(/^stream\s+HYDRA .*subjects hydra\.>$/m);
    expect(text).toMatch(/^blobs\s+Object Store bucket HYDRA_BLOBS \(stream OBJ_HYDRA_BLOBS\)$/m);
    expect(text).toMatch(/^image\.arrived\s+2\s+hydra\.image\.arrived\.\{imageId\}\s+imageId$/m);
    expect(text).toMatch(/^news\.posted\s+1\s+hydra\.news\.posted\.banner\s+"banner" \(always\)$/m);
    expect(text).toContain('base64url');
  });
});
