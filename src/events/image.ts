import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineEvent, isoTime, positiveWholeNumber, sha256Schema, tokenSchema, wholeNumber } from './define.ts';

const where = {
  run: wholeNumber,
  runPeriod: z.string().max(64).optional(),
  chunk: wholeNumber,
  pad: wholeNumber,
};

/** What makes an arrival one observation: the plot, where it was taken, and its content. */
export interface Observation {
  readonly plotType: string;
  readonly run: number;
  readonly chunk: number;
  readonly pad: number;
  readonly imageId: string;
}

/**
 * The id of one observation of a plot: the same file delivered again (a retry) is the same arrival, the same
 * bytes in another chunk (an empty error plot every chunk) are a new one. Pure.
 */
export const arrivalIdOf = (o: Observation): string =>
  createHash('sha256').update(`${o.plotType}\n${o.run}\n${o.chunk}\n${o.pad}\n${o.imageId}`).digest('hex');

/**
 * Upcasts version 1 data of image.arrived and inference.*: when the same bytes were one image with one
 * arrival, that arrival's id is the image id (a read model migrated from then keys its rows the same way).
 */
export const arrivalOfImage = (d: unknown): unknown => ({
  ...(d as { imageId: string }),
  arrivalId: (d as { imageId: string }).imageId,
});

const imageArrivedSchema = z.object({
  /** This observation (arrivalIdOf); before version 2, when the same bytes were one arrival, the imageId. */
  arrivalId: sha256Schema,
  imageId: sha256Schema,
  plotType: tokenSchema,
  ...where,
  arrivedAt: isoTime,
  width: positiveWholeNumber,
  height: positiveWholeNumber,
  bytes: z.number().int().positive(),
  source: z.string().max(1000),
});

export const imageArrived = defineEvent({
  type: 'image.arrived',
  schema: imageArrivedSchema,
  description:
    'A plot arrived: one observation (arrivalId) of an image (object store key = imageId, the SHA-256 of its bytes). ' +
    'The same bytes arriving in another chunk are another arrival of the same image.',
  key: (d) => d.imageId,
  // Version 2 added arrivalId.
  version: 2,
  upcasters: { 1: arrivalOfImage },
  previous: { 1: imageArrivedSchema.omit({ arrivalId: true }) },
});

export const imageRejected = defineEvent({
  type: 'image.rejected',
  schema: z.object({
    rejectionId: tokenSchema,
    source: z.string().max(1000),
    code: z.enum(['empty', 'truncated', 'not-image', 'too-large', 'unreadable', 'bad-name', 'bad-request']),
    reason: z.string().max(2000),
    size: z.number().int().min(0).optional(),
    sha256: sha256Schema.optional(),
    quarantinePath: z.string().max(2000).optional(),
    rejectedAt: isoTime,
  }),
  description: 'A file could not be taken as an image; it is kept in quarantine beside its reason.',
  key: (d) => d.rejectionId,
});

export const imageUnassigned = defineEvent({
  type: 'image.unassigned',
  schema: z.object({
    imageId: sha256Schema,
    plotName: z.string().max(200),
    source: z.string().max(1000),
    keptPath: z.string().max(2000),
    arrivedAt: isoTime,
  }),
  description: 'An image of a plot type nobody has configured; kept and re-ingested once it is defined.',
  key: (d) => d.imageId,
});

export const imageSampled = defineEvent({
  type: 'image.sampled',
  schema: z.object({
    imageId: sha256Schema,
    plotType: tokenSchema,
    reason: z.enum(['unbiased', 'bad', 'unconfirmed']),
  }),
  description: 'An image joined the labelling queue, and why.',
  key: (d) => d.imageId,
});

export const imageEvents = [imageArrived, imageRejected, imageUnassigned, imageSampled] as const;
