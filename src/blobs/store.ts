import { createHash } from 'node:crypto';
import { headers, nuid, type NatsConnection } from '@nats-io/transport-node';
import { Objm, type ObjectStore } from '@nats-io/obj';
import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';

export interface BlobRef {
  readonly sha256: string;
  readonly size: number;
  /** False when the store already held these bytes (put is idempotent). */
  readonly stored: boolean;
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  readonly code = 'HYDRA_BLOB_NOT_FOUND';
  readonly status = 404;
  constructor(readonly sha256: string) {
    super(`no blob ${sha256}`);
  }
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The Object Store's chunk size: a blob up to it is one chunk, written and read with one message. */
export const CHUNK_BYTES = 128 * 1024;
/** Bytes put by this process kept for its own gets (ingest and inference in one process): newest kept. */
export const RECENT_BYTES = 64 * 2 ** 20;

/** RFC 4648 base64url with its padding, as the Object Store writes names and digests. */
export const base64urlPadded = (b: Uint8Array): string =>
  Buffer.from(b).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');

/** What the Object Store keeps on a blob's meta subject (the `nats` clients' ObjectInfo, as JSON). */
export function objectMeta(bucket: string, name: string, id: string, bytes: Uint8Array, contentType: string) {
  return {
    name,
    description: contentType,
    options: { max_chunk_size: CHUNK_BYTES },
    bucket,
    nuid: id,
    size: bytes.length,
    chunks: 1,
    mtime: new Date().toISOString(),
    digest: `SHA-256=${base64urlPadded(Buffer.from(name, 'hex'))}`,
    deleted: false,
  };
}

/**
 * Images, models and heatmaps in a JetStream Object Store bucket, named by the SHA-256 of their bytes.
 * Events carry the name, never the bytes.
 */
export class BlobStore {
  private readonly recent = new Map<string, Uint8Array>();
  private recentBytes = 0;

  private constructor(
    private readonly os: ObjectStore,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
  ) {}

  static async open(nc: NatsConnection, bucket: string): Promise<BlobStore> {
    const objm = new Objm(nc);
    return new BlobStore(await objm.create(bucket), jetstream(nc), await jetstreamManager(nc), bucket);
  }

  private get stream(): string {
    return `OBJ_${this.bucket}`;
  }

  /**
   * Stores bytes under their SHA-256. `known` skips work the caller has done: the hash, and the
   * existence check when the caller knows the blob is new (writing it again is harmless: same name, same bytes).
   */
  async put(
    bytes: Uint8Array,
    contentType = 'application/octet-stream',
    known: { sha256?: string; isNew?: boolean } = {},
  ): Promise<BlobRef> {
    const sha256 = known.sha256 ?? sha256Hex(bytes);
    let stored = false;
    if (known.isNew || !(await this.os.info(sha256))) {
      if (bytes.length > 0 && bytes.length <= CHUNK_BYTES) stored = await this.putOneChunk(sha256, bytes, contentType);
      else {
        await this.os.putBlob({ name: sha256, description: contentType }, bytes);
        stored = true;
      }
    }
    this.remember(sha256, bytes);
    return { sha256, size: bytes.length, stored };
  }

  /**
   * A one-chunk blob in two publishes, in the Object Store's own layout (its clients read it as theirs): the
   * chunk, then the meta, which must be the first on its subject. A blob already there (a race, or a caller
   * wrong about `isNew`) keeps its meta and our chunk is purged, so no chunk is left behind.
   */
  private async putOneChunk(sha256: string, bytes: Uint8Array, contentType: string): Promise<boolean> {
    const id = nuid.next();
    const chunkSubject = `$O.${this.bucket}.C.${id}`;
    await this.js.publish(chunkSubject, bytes);
    const h = headers();
    h.set('Nats-Rollup', 'sub');
    try {
      await this.js.publish(
        `$O.${this.bucket}.M.${base64urlPadded(Buffer.from(sha256))}`,
        JSON.stringify(objectMeta(this.bucket, sha256, id, bytes, contentType)),
        { headers: h, expect: { lastSubjectSequence: 0 } },
      );
      return true;
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence)) throw err;
      await this.jsm.streams.purge(this.stream, { filter: chunkSubject });
      return false;
    }
  }

  /**
   * Keeps what this process stored for its own gets (the oldest goes first past RECENT_BYTES): inference in
   * the process that ingested an image classifies it without fetching it back. Callers never change bytes they put.
   */
  private remember(sha256: string, bytes: Uint8Array): void {
    if (bytes.length > RECENT_BYTES / 8 || this.recent.has(sha256)) return;
    this.recent.set(sha256, bytes);
    this.recentBytes += bytes.length;
    for (const [k, v] of this.recent) {
      if (this.recentBytes <= RECENT_BYTES) break;
      this.recent.delete(k);
      this.recentBytes -= v.length;
    }
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.os.info(sha256)) !== null;
  }

  async get(sha256: string): Promise<Uint8Array> {
    const kept = this.recent.get(sha256);
    if (kept) return kept;
    const info = await this.os.info(sha256);
    if (!info || info.deleted) throw new BlobNotFoundError(sha256);
    // Most images are one chunk: one direct get of it beats the ordered consumer a general read sets up.
    if (info.chunks === 1) {
      const m = await this.jsm.streams.getMessage(this.stream, {
        last_by_subj: `$O.${this.bucket}.C.${info.nuid}`,
      });
      if (m && m.data.length === info.size && sha256Hex(m.data) === sha256) return m.data;
    }
    const bytes = await this.os.getBlob(sha256);
    if (!bytes) throw new BlobNotFoundError(sha256);
    return bytes;
  }
}
