import { z } from 'zod';

/**
 * One event type: its name (`<aggregate>.<event>`), current schema version, the schema of its data,
 * how to find its aggregate key, and upcasters that lift older versions' data to the current shape.
 */
export interface EventDefinition<T extends string = string, S extends z.ZodType = z.ZodType> {
  readonly type: T;
  readonly version: number;
  readonly schema: S;
  readonly description: string;
  readonly key: (data: z.infer<S>) => string;
  /** upcasters[v] turns version v's data into version v+1's. */
  readonly upcasters: Readonly<Record<number, (data: unknown) => unknown>>;
  /**
   * previous[v]: the data schema of an older version v that the current schema does not describe, kept for
   * the JSON Schemas outside readers validate old events with. Needed for every version whose upcaster
   * changes the data (see the README's compatibility policy); an additive version needs none.
   */
  readonly previous: Readonly<Record<number, z.ZodType>>;
}

export function defineEvent<T extends string, S extends z.ZodType>(def: {
  type: T;
  version?: number;
  schema: S;
  description: string;
  key: (data: z.infer<S>) => string;
  upcasters?: Record<number, (data: unknown) => unknown>;
  previous?: Record<number, z.ZodType>;
}): EventDefinition<T, S> {
  if (!/^[a-z]+\.[a-z][a-z-]*$/.test(def.type)) throw new Error(`bad event type name ${def.type}`);
  return { version: 1, upcasters: {}, previous: {}, ...def };
}

/** Names usable as one NATS subject token (plot-type names, ids). */
export const tokenSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'letters, digits, _ and - only (1-128)');
export const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex');
/**
 * An instant as ISO-8601 with an offset, between 1970 and the end of 9999 once the offset is applied:
 * what a DATETIME(3) column holds (a year 0000 or a 10000 after +14:00 would be refused by the database).
 */
export const isoTime = z.iso.datetime({ offset: true }).refine((t) => {
  const ms = Date.parse(t);
  return ms >= 0 && ms <= Date.UTC(9999, 11, 31, 23, 59, 59, 999);
}, 'a time between 1970-01-01 and 9999-12-31 (UTC)');

/** The largest value of a read model's INT column: every whole number in an event fits one. */
export const INT_MAX = 2_147_483_647;
/** 0 … 2,147,483,647: runs, chunks, pads, counts. */
export const wholeNumber = z.number().int().min(0).max(INT_MAX);
/** 1 … 2,147,483,647: sizes in pixels, epochs, episodes. */
export const positiveWholeNumber = z.number().int().min(1).max(INT_MAX);
