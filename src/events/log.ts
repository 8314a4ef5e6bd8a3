import { randomUUID } from 'node:crypto';
import { connect, TimeoutError, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  JetStreamApiError,
  JetStreamApiCodes,
  DeliverPolicy,
  StorageType,
  RetentionPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JetStreamPublishOptions,
  type StreamInfo,
} from '@nats-io/jetstream';
import {
  decodeEvent,
  definitionOf,
  validateData,
  type EventInput,
  type EventType,
  type HydraEvent,
  type HydraEventOf,
} from './catalog.ts';
import type { EventMetadata } from './envelope.ts';
import { ConcurrencyConflictError } from './errors.ts';
import { namesFor, type Names } from './subjects.ts';

/** An event to append: its type, data (validated here), and who/why. */
export interface NewEvent<T extends EventType = EventType> {
  readonly type: T;
  readonly data: EventInput<T>;
  readonly metadata: EventMetadata;
  /** Dedup id: a retried append with the same id is stored once. Defaults to a random id. */
  readonly id?: string;
  /** Optimistic concurrency: the sequence of the last event on this event's subject (0 = none yet). */
  readonly expectedLastSubjectSeq?: number;
}

/** Any one event to append (the union over every type, so arrays may mix types). */
export type AnyNewEvent = { [T in EventType]: NewEvent<T> }[EventType];

export interface AppendResult {
  readonly seq: number;
  readonly subject: string;
  readonly id: string;
  /** True when the stream already had this id: nothing new was stored. */
  readonly duplicate: boolean;
  /**
   * The event as the stream holds it (as a reader decodes it), for reading one's own writes before the read models
   * have them. For a duplicate it is this append's copy, not the one stored earlier (only its id and data agree).
   */
  readonly event: HydraEvent;
}

/** How long the stream remembers dedup ids; retries within it never store a second copy. */
export const DUPLICATE_WINDOW_NS = 30 * 60 * 1_000_000_000;

/**
 * The event log: one JetStream stream holding every Hydra fact, appended with dedup ids and
 * (optionally) expected last subject sequences. Limits retention with no max age: it is the system of record.
 */
export class EventLog {
  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly names: Names,
    private readonly producer: string,
  ) {}

  static async open(opts: {
    natsUrl: string;
    namespace: string;
    producer: string;
    nc?: NatsConnection;
  }): Promise<EventLog> {
    const nc =
      opts.nc ?? (await connect({ servers: opts.natsUrl, name: `hydra:${opts.producer}`, maxReconnectAttempts: -1 }));
    const jsm = await jetstreamManager(nc);
    const log = new EventLog(nc, jetstream(nc), jsm, namesFor(opts.namespace), opts.producer);
    await log.ensureStream();
    return log;
  }

  private async ensureStream(): Promise<void> {
    const { stream, all } = this.names;
    try {
      await this.jsm.streams.info(stream);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
      try {
        await this.jsm.streams.add({
          name: stream,
          subjects: [all],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          max_age: 0,
          duplicate_window: DUPLICATE_WINDOW_NS,
          allow_direct: true,
        });
      } catch (addErr) {
        // Another process created it between our info and add: that is fine.
        if (!(addErr instanceof JetStreamApiError && /already in use/.test(addErr.message))) throw addErr;
      }
    }
  }

  /** Validates and appends one event. Throws EventValidationError or ConcurrencyConflictError. */
  async append(event: AnyNewEvent): Promise<AppendResult> {
    const { subject, payload, id, options } = this.encode(event as NewEvent<EventType>);
    try {
      const ack = await this.publish(subject, payload, options);
      return stored(ack, subject, id, payload);
    } catch (err) {
      throw this.translate(err, subject, event.expectedLastSubjectSeq);
    }
  }

  /**
   * Appends many events, pipelined (all publishes in flight at once, acks awaited together).
   * Every event is validated before any is published, so a bad one stops the whole batch.
   */
  async appendMany(events: readonly AnyNewEvent[]): Promise<AppendResult[]> {
    const encoded = events.map((e) => ({ e, ...this.encode(e as NewEvent<EventType>) }));
    return Promise.all(
      encoded.map(async ({ e, subject, payload, id, options }) => {
        try {
          const ack = await this.publish(subject, payload, options);
          return stored(ack, subject, id, payload);
        } catch (err) {
          throw this.translate(err, subject, e.expectedLastSubjectSeq);
        }
      }),
    );
  }

  /** How often a publish whose acknowledgement timed out is tried (within the duplicate window, so stored once). */
  private static readonly PUBLISH_ATTEMPTS = 3;

  /**
   * Publishes, asking again when the server's acknowledgement does not come in time (a busy machine, a batch of
   * thousands in flight): the event's id makes a second publish of a stored event a duplicate, not a second event.
   */
  private async publish(subject: string, payload: string, options: Partial<JetStreamPublishOptions>) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.js.publish(subject, payload, options);
      } catch (err) {
        if (!(err instanceof TimeoutError) || attempt >= EventLog.PUBLISH_ATTEMPTS) throw err;
      }
    }
  }

  private encode<T extends EventType>(event: NewEvent<T>) {
    const def = definitionOf(event.type);
    const data = validateData(event.type, event.data);
    const key = def.key(data as never);
    const id = event.id ?? randomUUID();
    const subject = this.names.subject(event.type, key);
    const envelope = {
      id,
      type: event.type,
      version: def.version,
      time: new Date().toISOString(),
      key,
      data,
      metadata: { ...event.metadata, producer: event.metadata.producer || this.producer },
    };
    const options: Partial<JetStreamPublishOptions> = { msgID: id };
    if (event.expectedLastSubjectSeq !== undefined)
      options.expect = { lastSubjectSequence: event.expectedLastSubjectSeq };
    return { subject, payload: JSON.stringify(envelope), id, options };
  }

  private translate(err: unknown, subject: string, expected: number | undefined): unknown {
    if (
      expected !== undefined &&
      err instanceof JetStreamApiError &&
      err.code === JetStreamApiCodes.StreamWrongLastSequence
    ) {
      return new ConcurrencyConflictError(subject, expected, { cause: err });
    }
    return err;
  }

  /** Sequence of the last event on the subject of (type, key); 0 when there is none. */
  lastSubjectSeq(type: EventType, key: string): Promise<number> {
    return this.lastSeqMatching(this.names.subject(type, key));
  }

  /** The last event of a type on one key's subject, decoded; undefined when there is none (or it cannot be read). */
  async lastEvent<T extends EventType>(type: T, key: string): Promise<HydraEventOf<T> | undefined> {
    let m;
    try {
      m = await this.jsm.streams.getMessage(this.names.stream, { last_by_subj: this.names.subject(type, key) });
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.NoMessageFound) return undefined;
      throw err;
    }
    if (!m) return undefined;
    const item = readItem(m.data, m.seq, m.subject);
    return item.ok && item.event.type === type ? (item.event as HydraEventOf<T>) : undefined;
  }

  async streamInfo(): Promise<StreamInfo> {
    return this.jsm.streams.info(this.names.stream);
  }

  /**
   * Reads events in order from a start sequence with an ordered consumer, up to the stream's last
   * sequence at the time of the call (or `untilSeq`). Undecodable messages are yielded as errors.
   */
  async *read(opts: { fromSeq?: number; untilSeq?: number; filter?: string } = {}): AsyncGenerator<ReadItem> {
    const filter = opts.filter ?? this.names.all;
    // Stop at the last message the filter matches: an ordered consumer would otherwise wait forever.
    const lastMatching = await this.lastSeqMatching(filter);
    const until = Math.min(opts.untilSeq ?? Infinity, lastMatching);
    const from = Math.max(1, opts.fromSeq ?? 1);
    if (until < from) return;
    const consumer = await this.js.consumers.get(this.names.stream, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    const messages = await consumer.consume({ max_messages: 1000 });
    try {
      for await (const m of messages) {
        if (m.seq > until) break;
        yield readItem(m.data, m.seq, m.subject);
        if (m.seq >= until || m.info.pending === 0) break;
      }
    } finally {
      await messages.close();
    }
  }

  /** Sequence of the last message on subjects matching a filter (wildcards allowed); 0 when none. */
  async lastSeqMatching(filter: string): Promise<number> {
    try {
      const m = await this.jsm.streams.getMessage(this.names.stream, { last_by_subj: filter });
      return m?.seq ?? 0;
    } catch (err) {
      if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.NoMessageFound) return 0;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/** What an append answers: where the stream put the event, and the event as a reader will decode it. */
function stored(ack: { seq: number; duplicate: boolean }, subject: string, id: string, payload: string): AppendResult {
  return {
    seq: ack.seq,
    subject,
    id,
    duplicate: ack.duplicate,
    event: decodeEvent(payload, ack.seq, subject),
  };
}

export type ReadItem =
  | { ok: true; event: HydraEvent }
  | { ok: false; seq: number; subject: string; error: Error; payload: string };

export function readItem(data: Uint8Array, seq: number, subject: string): ReadItem {
  try {
    return { ok: true, event: decodeEvent(data, seq, subject) };
  } catch (err) {
    return { ok: false, seq, subject, error: err as Error, payload: new TextDecoder().decode(data) };
  }
}
