import { z } from 'zod';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { catalog } from './catalog.ts';
import { envelopeSchema } from './envelope.ts';

/** JSON Schema (draft 2020-12) of each event type's full envelope, for readers in other languages. */
export function eventJsonSchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const def of catalog) {
    const full = envelopeSchema.extend({
      type: z.literal(def.type),
      version: z.literal(def.version),
      data: def.schema,
    });
    out[def.type] = {
      ...z.toJSONSchema(full, { io: 'output', unrepresentable: 'any' }),
      title: def.type,
      description: def.description,
    };
  }
  return out;
}

export async function writeEventJsonSchemas(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [type, schema] of Object.entries(eventJsonSchemas())) {
    const file = path.join(dir, `${type}.schema.json`);
    await writeFile(file, `${JSON.stringify(schema, null, 2)}\n`);
    written.push(file);
  }
  return written;
}
