/**
 * Every NATS name Hydra uses derives from one namespace, so that test runs (and sites) sharing a
 * server never collide. Subjects: `<ns>.<aggregate>.<event>.<key>`.
 */
export interface Names {
  readonly namespace: string;
  readonly stream: string;
  readonly blobBucket: string;
  readonly statusBucket: string;
  readonly all: string;
  subject(type: string, key: string): string;
  /** Filter matching one type (`image.arrived`), one aggregate (`image`), or everything. */
  filter(typeOrAggregate?: string): string;
  consumer(name: string): string;
}

export function namesFor(namespace: string): Names {
  const token = namespace.replace(/[^A-Za-z0-9_-]/g, '_');
  const upper = token.toUpperCase().replace(/-/g, '_');
  return {
    namespace: token,
    stream: upper,
    blobBucket: `${upper}_BLOBS`,
    statusBucket: `${upper}_STATUS`,
    all: `${token}.>`,
    subject: (type, key) => `${token}.${type}.${encodeKey(key)}`,
    filter: (t) => (t ? `${token}.${t}.>` : `${token}.>`),
    consumer: (name) => `${upper}_${name.replace(/[^A-Za-z0-9_-]/g, '_')}`,
  };
}

/** Keys become one subject token: safe ones as they are, others base64url with a `~` prefix. */
export function encodeKey(key: string): string {
  return /^[A-Za-z0-9_-]{1,200}$/.test(key) ? key : `~${Buffer.from(key, 'utf8').toString('base64url')}`;
}
