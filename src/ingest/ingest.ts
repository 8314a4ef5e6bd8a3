import { createHash } from 'node:crypto';
import path from 'node:path';
import type { BlobStore } from '../blobs/store.ts';
import { sha256Hex } from '../blobs/store.ts';
import type { EventMetadata } from '../events/envelope.ts';
import { arrivalIdOf } from '../events/image.ts';
import type { AnyNewEvent, EventLog } from '../events/log.ts';
import type { PlotTypeCache } from '../plottypes/cache.ts';
import { moveFile, safeFileName, writeNew } from './files.ts';
import { matchFileName, type NameResult } from './naming.ts';
import { checkPng, type ImageProblemCode } from './png.ts';
import { inUnbiasedSample } from './sampling.ts';

export interface IngestDirs {
  readonly quarantine: string;
  readonly unassigned: string;
}

export interface IngestLimits {
  readonly maxBytes: number;
  readonly maxPixels: number;
}

/** Where an image came from and what is known of it besides its bytes. */
export interface ImageSource {
  /** The name to record: the path relative to the inbox, or the uploaded file name. */
  readonly source: string;
  readonly fileName: string;
  readonly run: number;
  readonly runPeriod?: string;
  /** Upload clients say which plot type, pad and chunk; the feeder reads them from the name. */
  readonly declared?: { plotType: string; pad: number; chunk: number };
  /** Who sent it (the upload API's signed-in user or API token), recorded in the events' metadata. */
  readonly user?: string;
}

export type IngestOutcome =
  | {
      readonly kind: 'arrived';
      /** This observation (a retried delivery of the same file is the same one); the image is its content. */
      readonly arrivalId: string;
      readonly imageId: string;
      readonly plotType: string;
      /** This arrival was already recorded (a retried delivery): nothing new was appended. */
      readonly duplicate: boolean;
      readonly sampled: boolean;
      readonly seq: number;
    }
  | { readonly kind: 'unassigned'; readonly imageId: string; readonly plotName: string; readonly keptPath: string }
  | {
      readonly kind: 'rejected';
      readonly code: ImageProblemCode | 'bad-name' | 'bad-request';
      readonly reason: string;
      readonly rejectionId: string;
      readonly quarantinePath: string;
    };

/** The problem found in bytes, before anything is stored. Pure. */
export function inspect(bytes: Uint8Array, limits: IngestLimits) {
  if (bytes.length > limits.maxBytes) {
    return {
      ok: false as const,
      code: 'too-large' as const,
      reason: `the file is ${bytes.length} bytes, over the limit of ${limits.maxBytes}`,
    };
  }
  return checkPng(bytes, limits);
}

/**
 * Turns bytes into exactly one `image.arrived`, `image.unassigned` or `image.rejected`. The bytes are stored once
 * by their SHA-256 (the image); each observation of them (plot type, run, chunk, pad) is its own arrival, with a
 * dedup id derived from it, so a retry after a crash never makes a second arrival while the same bytes in the next
 * chunk do make one.
 */
export class Ingestor {
  constructor(
    private readonly log: EventLog,
    private readonly blobs: BlobStore,
    private readonly plotTypes: PlotTypeCache,
    private readonly dirs: IngestDirs,
    private readonly limits: IngestLimits,
    private readonly metadata: EventMetadata,
  ) {}

  inspect(bytes: Uint8Array) {
    return inspect(bytes, this.limits);
  }

  private metadataOf(src: ImageSource): EventMetadata {
    return src.user ? { ...this.metadata, user: src.user } : this.metadata;
  }

  async ingest(bytes: Uint8Array, src: ImageSource, now = new Date()): Promise<IngestOutcome> {
    const check = inspect(bytes, this.limits);
    const imageId = sha256Hex(bytes);
    const seen = { size: bytes.length, ...(bytes.length ? { sha256: imageId } : {}) };
    if (!check.ok) return this.reject(seen, src, check.code, check.reason, now);

    const resolved = this.resolve(src);
    if (resolved.kind === 'bad-name') return this.reject(seen, src, 'bad-name', resolved.reason, now);
    if (resolved.kind === 'unassigned') return this.keepUnassigned(bytes, imageId, src, resolved.plotName, now);
    const match = resolved.match;
    const spec = this.plotTypes.get(match.plotType)!;
    const where = { plotType: match.plotType, run: match.run ?? src.run, chunk: match.chunk, pad: match.pad };
    const arrivalId = arrivalIdOf({ ...where, imageId });
    // An arrival is only ever appended after its bytes are stored: if the image has one, its bytes exist. A retry
    // long after the stream's dedup window is recognised when it is still the image's last arrival.
    const last = await this.log.lastEvent('image.arrived', imageId);
    if (!last) await this.blobs.put(bytes, 'image/png', { sha256: imageId, isNew: true });
    const repeated = last?.data.arrivalId === arrivalId;
    const sampled = inUnbiasedSample(imageId, spec.collectPercent);
    const events: AnyNewEvent[] = [];
    if (!repeated) {
      events.push({
        type: 'image.arrived',
        id: `image.arrived:${arrivalId}`,
        metadata: this.metadataOf(src),
        data: {
          arrivalId,
          imageId,
          ...where,
          ...(src.runPeriod ? { runPeriod: src.runPeriod } : {}),
          arrivedAt: now.toISOString(),
          width: check.width,
          height: check.height,
          bytes: bytes.length,
          source: src.source.slice(0, 1000),
        },
      });
    }
    // Sampled (per image) with the arrival, and again (deduplicated) when a crash came between the two.
    if (sampled)
      events.push({
        type: 'image.sampled',
        id: `image.sampled:unbiased:${imageId}`,
        metadata: this.metadataOf(src),
        data: { imageId, plotType: match.plotType, reason: 'unbiased' },
      });
    const results = events.length ? await this.log.appendMany(events) : [];
    // A retry within the dedup window, or two copies racing past the lookup, meet the stream's dedup: the ack says so.
    const duplicate = repeated || results[0]?.duplicate === true;
    const seq = repeated ? last.seq : results[0]!.seq;
    return { kind: 'arrived', arrivalId, imageId, plotType: match.plotType, duplicate, sampled, seq };
  }

  /** Which configured plot type the image belongs to, from what the client declared or the file name. */
  resolve(src: ImageSource): NameResult {
    if (src.declared) {
      const { plotType, pad, chunk } = src.declared;
      return this.plotTypes.get(plotType)
        ? { kind: 'matched', match: { plotType, pad, chunk } }
        : { kind: 'unassigned', plotName: plotType, pad, chunk };
    }
    return matchFileName(src.fileName, this.plotTypes.active());
  }

  private async keepUnassigned(
    bytes: Uint8Array,
    imageId: string,
    src: ImageSource,
    plotName: string,
    now: Date,
  ): Promise<IngestOutcome> {
    const safePlot = safeFileName(plotName);
    const keptPath = path.join(this.dirs.unassigned, safePlot, `${imageId.slice(0, 16)}-${safeFileName(src.fileName)}`);
    await this.blobs.put(bytes, 'image/png', { sha256: imageId });
    // The bytes are kept with what we knew of them, so re-ingest needs nothing else.
    await writeNew(
      `${keptPath}.json`,
      JSON.stringify({
        source: src.source,
        fileName: src.fileName,
        run: src.run,
        runPeriod: src.runPeriod,
        declared: src.declared,
      }),
    );
    const stored = await writeNew(keptPath, bytes);
    await this.log.append({
      type: 'image.unassigned',
      id: `image.unassigned:${imageId}`,
      metadata: this.metadataOf(src),
      data: {
        imageId,
        plotName: plotName.slice(0, 200),
        source: src.source.slice(0, 1000),
        keptPath: stored,
        arrivedAt: now.toISOString(),
      },
    });
    return { kind: 'unassigned', imageId, plotName, keptPath: stored };
  }

  /** The largest file ingest takes, in bytes: the feeder refuses bigger ones by their size, unread. */
  get maxBytes(): number {
    return this.limits.maxBytes;
  }

  /**
   * Records the rejection first, then quarantines: a crash in between repeats the (deduplicated) event. A file
   * refused unread (over the size limit, not a regular file) is known by its size alone.
   */
  async reject(
    seen: { readonly size: number; readonly sha256?: string },
    src: ImageSource,
    code: ImageProblemCode | 'bad-name' | 'bad-request',
    reason: string,
    now = new Date(),
  ): Promise<Extract<IngestOutcome, { kind: 'rejected' }>> {
    const what = seen.sha256 ?? `unread:${code}:${seen.size}`;
    const rejectionId = createHash('sha256').update(`${src.source}\0${what}`).digest('hex').slice(0, 40);
    const day = now.toISOString().slice(0, 10);
    const quarantinePath = path.join(
      this.dirs.quarantine,
      day,
      `${rejectionId.slice(0, 12)}-${safeFileName(src.fileName)}`,
    );
    if ((await this.log.lastSubjectSeq('image.rejected', rejectionId)) === 0) {
      await this.log.append({
        type: 'image.rejected',
        id: `image.rejected:${rejectionId}`,
        metadata: this.metadataOf(src),
        data: {
          rejectionId,
          source: src.source.slice(0, 1000),
          code,
          reason: reason.slice(0, 2000),
          size: seen.size,
          ...(seen.sha256 ? { sha256: seen.sha256 } : {}),
          quarantinePath,
          rejectedAt: now.toISOString(),
        },
      });
    }
    return { kind: 'rejected', code, reason, rejectionId, quarantinePath };
  }

  /** Puts rejected bytes or a rejected file where the event says they are, beside a reason file. */
  static async quarantine(
    outcome: Extract<IngestOutcome, { kind: 'rejected' }>,
    what: { file?: string; bytes?: Uint8Array },
  ): Promise<void> {
    if (what.file) await moveFile(what.file, outcome.quarantinePath);
    else if (what.bytes) await writeNew(outcome.quarantinePath, what.bytes);
    await writeNew(`${outcome.quarantinePath}.reason.txt`, `${outcome.code}: ${outcome.reason}\n`);
  }
}
