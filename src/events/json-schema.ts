import { z } from 'zod';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { catalog } from './catalog.ts';
import type { EventDefinition } from './define.ts';
import { envelopeSchema } from './envelope.ts';

/**
 * A reader's schema allows fields it does not know: within a version Hydra only adds optional fields
 * (the README's compatibility policy), and a reader must keep working when it does.
 */
export function tolerant(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(tolerant);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([k, v]) => !(k === 'additionalProperties' && v === false))
      .map(([k, v]) => [k, tolerant(v)]),
  );
}

/** Every version a type has had, oldest first, each with the data schema events of that version match. */
export function versionsOf(def: EventDefinition): { version: number; schema: z.ZodType }[] {
  return Array.from({ length: def.version }, (_, i) => i + 1).map((version) => ({
    version,
    schema: version === def.version ? def.schema : (def.previous[version] ?? def.schema),
  }));
}

/**
 * JSON Schema (draft 2020-12) of the full envelope of each version of each event type, for readers in other
 * languages, keyed `<type>.v<version>`: what is on the stream, with unknown fields allowed.
 */
export function eventJsonSchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const def of catalog as readonly unknown[] as readonly EventDefinition[]) {
    for (const { version, schema } of versionsOf(def)) {
      const full = envelopeSchema.extend({ type: z.literal(def.type), version: z.literal(version), data: schema });
      out[`${def.type}.v${version}`] = {
        ...(tolerant(z.toJSONSchema(full, { io: 'output', unrepresentable: 'any' })) as object),
        title: `${def.type} version ${version}`,
        description: def.description,
      };
    }
  }
  return out;
}

/** Writes `<type>.v<version>.schema.json` for every version of every type. */
export async function writeEventJsonSchemas(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, schema] of Object.entries(eventJsonSchemas())) {
    const file = path.join(dir, `${name}.schema.json`);
    await writeFile(file, `${JSON.stringify(schema, null, 2)}\n`);
    written.push(file);
  }
  return written;
}
