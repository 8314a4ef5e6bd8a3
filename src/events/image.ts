import { z } from 'zod';
import { defineEvent, isoTime, positiveWholeNumber, sha256Schema, tokenSchema, wholeNumber } from './define.ts';

const where = {
  run: wholeNumber,
  runPeriod: z.string().max(64).optional(),
  chunk: wholeNumber,
  pad: wholeNumber,
};

export const imageArrived = defineEvent({
  type: 'image.arrived',
  schema: z.object({
    imageId: sha256Schema,
    plotType: tokenSchema,
    ...where,
    arrivedAt: isoTime,
    width: positiveWholeNumber,
    height: positiveWholeNumber,
    bytes: z.number().int().positive(),
    source: z.string().max(1000),
  }),
  description: 'An image was stored (object store key = imageId, the SHA-256 of its bytes).',
  key: (d) => d.imageId,
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
