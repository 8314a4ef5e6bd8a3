import { z } from 'zod';
import { defineEvent, sha256Schema, tokenSchema } from './define.ts';

const userField = z.string().min(1).max(100);

const labelData = z.object({
  imageId: sha256Schema,
  plotType: tokenSchema,
  label: tokenSchema,
  user: userField,
  comment: z.string().max(2000).optional(),
  /** The Labeler's apply this label came with (one id per batch: undo withdraws a batch). */
  batch: z.uuid().optional(),
  /** Written by the undo of this apply: the label it had replaced, given back (or, on a retraction, withdrawn). */
  undoes: z.uuid().optional(),
});

export const labelAssigned = defineEvent({
  type: 'label.assigned',
  schema: labelData,
  description: "A person's label for an image (a later one replaces it).",
  key: (d) => d.imageId,
});

export const labelRetracted = defineEvent({
  type: 'label.retracted',
  schema: labelData,
  description: 'A label was withdrawn.',
  key: (d) => d.imageId,
});

const noteData = z.object({
  imageId: sha256Schema,
  plotType: tokenSchema,
  user: userField,
});

export const labelCommented = defineEvent({
  type: 'label.commented',
  schema: noteData.extend({ comment: z.string().min(1).max(2000) }),
  description: "A person's comment on an image, for whoever labels it next.",
  key: (d) => d.imageId,
});

export const labelUnsureFlagged = defineEvent({
  type: 'label.unsure-flagged',
  schema: noteData.extend({ comment: z.string().max(2000).optional() }),
  description: 'A labeller was not sure about an image: a second expert should look at it.',
  key: (d) => d.imageId,
});

export const labelUnsureCleared = defineEvent({
  type: 'label.unsure-cleared',
  schema: noteData,
  description: 'An image flagged unsure has been looked at again.',
  key: (d) => d.imageId,
});

export const labelEvents = [
  labelAssigned,
  labelRetracted,
  labelCommented,
  labelUnsureFlagged,
  labelUnsureCleared,
] as const;
