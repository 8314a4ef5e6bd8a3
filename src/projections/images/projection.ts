import type { HydraEvent } from '../../events/catalog.ts';
import { defineProjection } from '../runtime/projection.ts';
import { images, rejections, unassigned, type ImageRow, type RejectionRow, type UnassignedRow } from './table.ts';

type Arrival = Extract<HydraEvent, { type: 'image.arrived' }>['data'];

/**
 * A read model kept per image (content), not per arrival: the image's row starts with its first arrival; the same
 * bytes arriving again (another chunk, another pad) are another arrival of the same image and change nothing here.
 */
export function imageOnArrival<R>(current: R | null, d: Arrival, start: (d: Arrival) => R): R {
  return current ?? start(d);
}

export const imagesProjection = defineProjection({
  name: 'images',
  table: images,
  idColumn: 'imageId',
  handles: ['image.arrived', 'image.sampled'],
  keyOf: (e) => e.key,
  evolve(current: ImageRow | null, e): ImageRow | null {
    if (e.type === 'image.arrived')
      return imageOnArrival(current, e.data, (d) => ({
        imageId: d.imageId,
        plotType: d.plotType,
        run: d.run,
        runPeriod: d.runPeriod ?? null,
        chunk: d.chunk,
        pad: d.pad,
        arrivedAt: d.arrivedAt,
        width: d.width,
        height: d.height,
        bytes: d.bytes,
        source: d.source,
        sampledFor: [],
        arrivedSeq: e.seq,
      }));
    if (e.type === 'image.sampled') {
      if (!current) throw new Error(`image ${e.data.imageId} sampled before it arrived`);
      return current.sampledFor.includes(e.data.reason)
        ? current
        : { ...current, sampledFor: [...current.sampledFor, e.data.reason].sort() };
    }
    return current;
  },
});

export const rejectionsProjection = defineProjection({
  name: 'image_rejections',
  table: rejections,
  idColumn: 'rejectionId',
  handles: ['image.rejected'],
  keyOf: (e) => e.key,
  evolve(_current: RejectionRow | null, e): RejectionRow | null {
    if (e.type !== 'image.rejected') return _current;
    const d = e.data;
    return {
      rejectionId: d.rejectionId,
      source: d.source,
      code: d.code,
      reason: d.reason,
      size: d.size ?? null,
      quarantinePath: d.quarantinePath ?? null,
      rejectedAt: d.rejectedAt,
    };
  },
});

export const unassignedProjection = defineProjection({
  name: 'images_unassigned',
  table: unassigned,
  idColumn: 'imageId',
  handles: ['image.unassigned', 'image.arrived'],
  keyOf: (e) => e.key,
  evolve(current: UnassignedRow | null, e): UnassignedRow | null {
    if (e.type === 'image.arrived') return null;
    if (e.type !== 'image.unassigned') return current;
    const d = e.data;
    return { imageId: d.imageId, plotName: d.plotName, source: d.source, keptPath: d.keptPath, arrivedAt: d.arrivedAt };
  },
});
