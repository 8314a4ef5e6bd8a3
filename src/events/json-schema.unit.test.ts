import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalog } from './catalog.ts';
import { defineEvent, type EventDefinition } from './define.ts';
import { eventJsonSchemas, tolerant, versionsOf } from './json-schema.ts';

const defs = catalog as readonly unknown[] as readonly EventDefinition[];

describe('the JSON Schemas for outside readers', () => {
  it('cover every version of every type, each naming its version', () => {
    const schemas = eventJsonSchemas();
    const expected = defs.flatMap((d) => versionsOf(d).map((v) => `${d.type}.v${v.version}`));
    expect(Object.keys(schemas)).toEqual(expected);
    expect(expected).toContain('alarm.raised.v1');
    expect(expected).toContain('alarm.raised.v2');
    const v1 = schemas['alarm.raised.v1'] as { properties: { version: { const: number } } };
    expect(v1.properties.version.const).toBe(1);
  });

  it('allow fields they do not know, everywhere, so an added optional field breaks no reader', () => {
    const text = JSON.stringify(eventJsonSchemas());
    expect(text).not.toContain('"additionalProperties":false');
    // A record's value schema is kept: only the ban on unknown fields goes.
    expect(tolerant({ additionalProperties: { type: 'number' } })).toEqual({
      additionalProperties: { type: 'number' },
    });
  });

  it('describe old versions truly: a version whose upcaster changes the data keeps its own schema', () => {
    for (const def of defs) {
      for (let v = 1; v < def.version; v++) {
        const up = def.upcasters[v];
        expect(up, `${def.type} needs an upcaster from version ${v}`).toBeTypeOf('function');
        const probe = {};
        const additive = up!(probe) === probe;
        expect(additive || def.previous[v] !== undefined, `${def.type}: keep version ${v}'s schema in previous`).toBe(
          true,
        );
      }
    }
  });

  it('export a kept old schema for its version', () => {
    const renamed = defineEvent({
      type: 'test.renamed',
      version: 2,
      schema: z.object({ name: z.string() }),
      previous: { 1: z.object({ title: z.string() }) },
      upcasters: { 1: (d) => ({ name: (d as { title: string }).title }) },
      description: 'a renamed field',
      key: (d) => d.name,
    });
    const [v1, v2] = versionsOf(renamed as unknown as EventDefinition);
    expect(Object.keys((z.toJSONSchema(v1!.schema) as { properties: object }).properties)).toEqual(['title']);
    expect(Object.keys((z.toJSONSchema(v2!.schema) as { properties: object }).properties)).toEqual(['name']);
  });
});
