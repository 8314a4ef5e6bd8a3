import type { z } from 'zod';
import type { EventDefinition } from './define.ts';
import { envelopeSchema, type Envelope, type StoredEvent } from './envelope.ts';
import { EventValidationError, UnknownEventTypeError } from './errors.ts';
import { plotTypeEvents } from './plottype.ts';
import { imageEvents } from './image.ts';
import { inferenceEvents } from './inference.ts';
import { labelEvents } from './label.ts';
import { trainingEvents } from './training.ts';
import { modelEvents } from './model.ts';
import { alarmEvents } from './alarm.ts';
import { newsEvents } from './news.ts';
import { userEvents } from './user.ts';
import { tokenEvents } from './token.ts';
import { siteEvents } from './site.ts';
import { sustainEvents } from './sustain.ts';
import { backfillEvents } from './backfill.ts';

/** Every event type Hydra knows, by family. */
export const catalog = [
  ...plotTypeEvents,
  ...imageEvents,
  ...inferenceEvents,
  ...labelEvents,
  ...trainingEvents,
  ...modelEvents,
  ...alarmEvents,
  ...newsEvents,
  ...userEvents,
  ...tokenEvents,
  ...siteEvents,
  ...sustainEvents,
  ...backfillEvents,
] as const;

type Defs = (typeof catalog)[number];
export type EventType = Defs['type'];
export type EventData<T extends EventType> = z.infer<Extract<Defs, { type: T }>['schema']>;
/** Input shape (defaults may be omitted) of an event's data. */
export type EventInput<T extends EventType> = z.input<Extract<Defs, { type: T }>['schema']>;

/** The discriminated union of every event as read back: switch on `type` and `data` is typed. */
export type HydraEvent = { [T in EventType]: StoredEvent<T, EventData<T>> }[EventType];
export type HydraEventOf<T extends EventType> = StoredEvent<T, EventData<T>>;

const byType = new Map<string, EventDefinition>(catalog.map((d) => [d.type, d as unknown as EventDefinition]));

export function definitionOf(type: string): EventDefinition {
  const def = byType.get(type);
  if (!def) throw new UnknownEventTypeError(type);
  return def;
}

export const isEventType = (type: string): type is EventType => byType.has(type);

/** Validates (and fills defaults of) data for a type; throws EventValidationError with the zod issues. */
export function validateData<T extends EventType>(type: T, data: unknown): EventData<T> {
  const parsed = definitionOf(type).schema.safeParse(data);
  if (!parsed.success) throw new EventValidationError(type, parsed.error.issues, { cause: parsed.error });
  return parsed.data as EventData<T>;
}

/** Lifts data written under an older schema version to the current one. */
export function upcast(def: EventDefinition, version: number, data: unknown): unknown {
  if (version > def.version)
    throw new EventValidationError(def.type, [
      {
        code: 'custom',
        path: ['version'],
        message: `version ${version} is newer than this program knows (${def.version})`,
        input: version,
      } as z.core.$ZodIssue,
    ]);
  let current = data;
  for (let v = version; v < def.version; v++) {
    const up = def.upcasters[v];
    if (!up) throw new Error(`${def.type}: no upcaster from version ${v}`);
    current = up(current);
  }
  return current;
}

/** Parses a stored message into a typed event: envelope checked, data upcast and validated. */
export function decodeEvent(payload: Uint8Array | string, seq: number, subject: string): HydraEvent {
  const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EventValidationError(
      '(envelope)',
      [
        {
          code: 'custom',
          path: [],
          message: `not JSON: ${(err as Error).message}`,
          input: text.slice(0, 100),
        } as z.core.$ZodIssue,
      ],
      { cause: err },
    );
  }
  const env = envelopeSchema.safeParse(json);
  if (!env.success) throw new EventValidationError('(envelope)', env.error.issues, { cause: env.error });
  const def = definitionOf(env.data.type);
  const data = validateData(def.type as EventType, upcast(def, env.data.version, env.data.data));
  const e: Envelope = { ...env.data, version: def.version, data };
  return { ...e, seq, subject } as HydraEvent;
}
