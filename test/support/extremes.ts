import { z } from 'zod';
import { catalog, validateData, type EventType } from '../../src/events/catalog.ts';

/**
 * Event data at the edges of what each event's schema accepts, derived from the schema itself (its
 * JSON Schema), so a bound added or widened in `src/events/` is tried by the property test at once.
 *
 * - `max`: every number at its largest, every string at its longest (in characters that take two
 *   bytes in UTF-8), every optional field present, every record key a long name;
 * - `min`: every number at its smallest, every string at its shortest, optional fields left out.
 *
 * Ids are deterministic in both modes (one plot type, one image, one model...), so the events of a
 * story refer to each other as a real history does.
 */
export type Extreme = 'max' | 'min';

type Json = Record<string, unknown>;
const WIDE = 'ü';
const LONGEST_UNBOUNDED = 5000;
const TIME: Record<Extreme, string> = { max: '9999-12-31T23:59:59.999Z', min: '1970-01-01T00:00:00.000Z' };

/** The longest and shortest strings known patterns accept; other patterns keep a sample. */
function patterned(pattern: string, maxLength: number | undefined, mode: Extreme): string {
  if (pattern.startsWith('^\\$argon2id')) {
    const head = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$';
    return mode === 'max' ? head + 'h'.repeat((maxLength ?? 400) - head.length) : `${head}h`;
  }
  if (pattern === '^[A-Za-z0-9_-]{1,128}$') return mode === 'max' ? 'X'.repeat(128) : 'x';
  if (pattern === '^[0-9a-f]{64}$') return mode === 'max' ? 'f'.repeat(64) : '0'.repeat(64);
  if (pattern === '^[a-z0-9][a-z0-9._@-]{0,99}$') return mode === 'max' ? 'u'.repeat(100) : 'u';
  if (pattern === '^#[0-9a-fA-F]{6}$') return mode === 'max' ? '#ffffff' : '#000000';
  throw new Error(`extremes: no sample for pattern ${pattern}; add one`);
}

function num(s: Json, mode: Extreme): number {
  const int = s.type === 'integer';
  const step = int ? 1 : 1e-9;
  if (mode === 'max') {
    if (typeof s.maximum === 'number') return s.maximum;
    if (typeof s.exclusiveMaximum === 'number') return s.exclusiveMaximum - step;
    return int ? Number.MAX_SAFE_INTEGER : 1e300;
  }
  if (typeof s.minimum === 'number') return s.minimum;
  if (typeof s.exclusiveMinimum === 'number') return s.exclusiveMinimum + step;
  return int ? Number.MIN_SAFE_INTEGER : -1e300;
}

function str(s: Json, mode: Extreme): string {
  if (s.format === 'date-time') return TIME[mode];
  if (s.format === 'uuid')
    return mode === 'max' ? 'ffffffff-ffff-ffff-ffff-ffffffffffff' : '00000000-0000-0000-0000-000000000000';
  if (s.format === 'email') {
    const domain = '@example.org';
    return mode === 'max' ? `${'a'.repeat(Number(s.maxLength ?? 64) - domain.length)}${domain}` : 'a@b.co';
  }
  if (typeof s.pattern === 'string')
    return patterned(s.pattern, typeof s.maxLength === 'number' ? s.maxLength : undefined, mode);
  if (mode === 'min') return 'a'.repeat(typeof s.minLength === 'number' ? s.minLength : 0);
  return WIDE.repeat(typeof s.maxLength === 'number' ? s.maxLength : LONGEST_UNBOUNDED);
}

export function extremeValue(s: Json, mode: Extreme): unknown {
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return mode === 'max' ? s.enum.at(-1) : s.enum[0];
  const branches = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (branches) {
    // At the max edge a nullable field holds its largest value, at the min edge null if it may.
    const values = branches.filter((b) => b.type !== 'null');
    const pick = mode === 'max' ? values.at(-1) : (branches.find((b) => b.type === 'null') ?? branches[0]);
    return extremeValue(pick ?? branches[0]!, mode);
  }
  switch (s.type) {
    case 'string':
      return str(s, mode);
    case 'integer':
    case 'number':
      return num(s, mode);
    case 'boolean':
      return mode === 'max';
    case 'null':
      return null;
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 0;
      const n = mode === 'max' ? Math.max(min, typeof s.maxItems === 'number' ? Math.min(s.maxItems, 3) : 3) : min;
      return Array.from({ length: n }, () => extremeValue(s.items as Json, mode));
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set((s.required as string[] | undefined) ?? []);
      for (const [k, sub] of Object.entries((s.properties as Record<string, Json> | undefined) ?? {})) {
        if (mode === 'max' || required.has(k)) out[k] = extremeValue(sub, mode);
      }
      if (typeof s.additionalProperties === 'object' && mode === 'max') {
        for (const k of ['X'.repeat(128), 'Y'.repeat(128)]) out[k] = extremeValue(s.additionalProperties as Json, mode);
      }
      return out;
    }
    default:
      throw new Error(`extremes: no value for schema ${JSON.stringify(s).slice(0, 200)}`);
  }
}

/** Each event type's data at one edge, validated by its own schema (a generator mistake fails loudly). */
export function extremeData(type: EventType, mode: Extreme): unknown {
  const def = catalog.find((d) => d.type === type)!;
  const json = z.toJSONSchema(def.schema, { io: 'input', unrepresentable: 'throw' }) as Json;
  return validateData(type, extremeValue(json, mode));
}
