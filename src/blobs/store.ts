import { createHash } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';

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

/**
 * Images, models and heatmaps in a JetStream Object Store bucket, named by the SHA-256 of their bytes.
 * Events carry the name, never the bytes.
 */
export class BlobStore {
  private constructor(
    private readonly os: ObjectStore,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
  ) {}

  static async open(nc: NatsConnection, bucket: string): Promise<BlobStore> {
    const objm = new Objm(nc);
    return new BlobStore(await objm.create(bucket), await jetstreamManager(nc), bucket);
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
    if (!known.isNew && (await this.os.info(sha256))) return { sha256, size: bytes.length, stored: false };
    await this.os.putBlob({ name: sha256, description: contentType }, bytes);
    return { sha256, size: bytes.length, stored: true };
  }

  async has(sha256: string): Promise<boolean> {
    return (await this.os.info(sha256)) !== null;
  }

  async get(sha256: string): Promise<Uint8Array> {
    const info = await this.os.info(sha256);
    if (!info || info.deleted) throw new BlobNotFoundError(sha256);
    // Most images are one chunk: one direct get of it beats the ordered consumer a general read sets up.
    if (info.chunks === 1) {
      const m = await this.jsm.streams.getMessage(`OBJ_${this.bucket}`, {
        last_by_subj: `$O.${this.bucket}.C.${info.nuid}`,
      });
      if (m && m.data.length === info.size && sha256Hex(m.data) === sha256) return m.data;
    }
    const bytes = await this.os.getBlob(sha256);
    if (!bytes) throw new BlobNotFoundError(sha256);
    return bytes;
  }
}
