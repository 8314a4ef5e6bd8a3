import { z } from 'zod';

/** What every event on the stream looks like, whatever its type. `data` is checked against its type's schema. */
export const envelopeSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.string().regex(/^[a-z]+\.[a-z][a-z-]*$/),
  version: z.number().int().positive(),
  time: z.iso.datetime({ offset: true }),
  key: z.string().min(1).max(200),
  data: z.unknown(),
  metadata: z.object({
    correlationId: z.string().min(1).max(200),
    causationId: z.string().max(200).optional(),
    producer: z.string().min(1).max(200),
    user: z.string().max(100).optional(),
  }),
});
export type RawEnvelope = z.infer<typeof envelopeSchema>;

export interface EventMetadata {
  readonly correlationId: string;
  readonly causationId?: string;
  readonly producer: string;
  readonly user?: string;
}

/** An event as read from the stream: its envelope plus where it sits in the stream. */
export interface Envelope<T extends string = string, D = unknown> {
  readonly id: string;
  readonly type: T;
  readonly version: number;
  readonly time: string;
  readonly key: string;
  readonly data: D;
  readonly metadata: EventMetadata;
}

export interface StoredEvent<T extends string = string, D = unknown> extends Envelope<T, D> {
  readonly seq: number;
  readonly subject: string;
}
