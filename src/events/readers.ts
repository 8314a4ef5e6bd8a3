import { catalog } from './catalog.ts';
import type { EventDefinition } from './define.ts';
import { namesFor } from './subjects.ts';

/** How an event type's subject key is made: from fields of its data, or one constant key for the type. */
export type KeyGuide =
  | { readonly fields: readonly string[]; readonly template: string }
  | { readonly constant: string };

export interface EventTypeGuide {
  readonly type: string;
  readonly version: number;
  /** The subject, with `{field}` where the (escaped) key goes. */
  readonly subject: string;
  readonly key: KeyGuide;
  readonly description: string;
}

/** Everything a program not written with Hydra's code needs to read Hydra's stream and blobs. */
export interface ReaderGuide {
  readonly namespace: string;
  readonly stream: { readonly name: string; readonly subjects: string; readonly subject: string };
  readonly keyEscaping: string;
  readonly envelope: string;
  readonly blobs: {
    readonly bucket: string;
    readonly stream: string;
    readonly name: string;
    readonly metaSubject: string;
    readonly chunkSubject: string;
    readonly read: readonly string[];
  };
  readonly heartbeats: { readonly bucket: string; readonly stream: string };
  readonly events: readonly EventTypeGuide[];
}

export const KEY_ESCAPING =
  'a key of 1-200 characters from A-Z a-z 0-9 _ - is the last subject token as it is; any other key is "~" ' +
  'followed by the base64url (RFC 4648 section 5, no padding) of its UTF-8 bytes';

/**
 * Which data fields an event type's key is made of, found by calling its key function on a probe that
 * records what it reads: the key function stays the one definition.
 */
export function keyGuide(def: { readonly key: (data: never) => string }): KeyGuide {
  const fields: string[] = [];
  const probe = new Proxy(
    {},
    {
      get: (_target, prop) => {
        if (typeof prop !== 'string') return undefined;
        fields.push(prop);
        return `{${prop}}`;
      },
    },
  );
  const template = def.key(probe as never);
  return fields.length === 0 ? { constant: template } : { fields: [...new Set(fields)], template };
}

export function eventTypeGuide(def: EventDefinition, namespace: string): EventTypeGuide {
  const key = keyGuide(def);
  return {
    type: def.type,
    version: def.version,
    subject: `${namesFor(namespace).namespace}.${def.type}.${'constant' in key ? key.constant : key.template}`,
    key,
    description: def.description,
  };
}

export function readerGuide(namespace: string): ReaderGuide {
  const names = namesFor(namespace);
  const objStream = `OBJ_${names.blobBucket}`;
  const metaSubject = `$O.${names.blobBucket}.M.{base64url(name), padded}`;
  const chunkSubject = `$O.${names.blobBucket}.C.{nuid}`;
  return {
    namespace: names.namespace,
    stream: {
      name: names.stream,
      subjects: names.all,
      subject: `${names.namespace}.{aggregate}.{event}.{key}`,
    },
    keyEscaping: KEY_ESCAPING,
    envelope:
      'each message is one JSON event {id, type, version, time, key, data, metadata}; its Nats-Msg-Id header is ' +
      'the event id; hydra events schema --out DIR writes its JSON Schema per type',
    blobs: {
      bucket: names.blobBucket,
      stream: objStream,
      name:
        'the lower-case hex SHA-256 of its bytes, named by events: an image by image.arrived imageId, a heatmap by ' +
        'inference.completed heatmap, a model by model.imported and training.completed onnx',
      metaSubject,
      chunkSubject,
      read: [
        `get the last message on ${metaSubject} from stream ${objStream}: JSON with nuid, size, chunks, ` +
          'digest ("SHA-256=" + padded base64url of the SHA-256)',
        `the bytes are the messages on ${chunkSubject} in stream order (an ordered consumer filtered on it, ` +
          'or direct gets by subject): concatenate them',
      ],
    },
    heartbeats: { bucket: names.statusBucket, stream: `KV_${names.statusBucket}` },
    events: catalog.map((def) => eventTypeGuide(def as unknown as EventDefinition, namespace)),
  };
}

const keyText = (k: KeyGuide): string => ('constant' in k ? `"${k.constant}" (always)` : k.fields.join(' + '));

export function formatReaderGuide(g: ReaderGuide): string {
  const width = (pick: (e: EventTypeGuide) => string) => Math.max(...g.events.map((e) => pick(e).length));
  const [wt, ws] = [width((e) => e.type), width((e) => e.subject)];
  return [
    `namespace   ${g.namespace}`,
    `stream      ${g.stream.name} (JetStream; every event, kept forever), subjects ${g.stream.subjects}`,
    `subject     ${g.stream.subject}`,
    `key         ${g.keyEscaping}`,
    `events      ${g.envelope}`,
    `blobs       Object Store bucket ${g.blobs.bucket} (stream ${g.blobs.stream})`,
    `            a blob's name is ${g.blobs.name}`,
    ...g.blobs.read.map((step, i) => `            ${i + 1}. ${step}`),
    `heartbeats  KV bucket ${g.heartbeats.bucket} (stream ${g.heartbeats.stream}); not events`,
    '',
    `${'type'.padEnd(wt)}  version  ${'subject'.padEnd(ws)}  key`,
    ...g.events.map(
      (e) => `${e.type.padEnd(wt)}  ${String(e.version).padEnd(7)}  ${e.subject.padEnd(ws)}  ${keyText(e.key)}`,
    ),
  ].join('\n');
}
