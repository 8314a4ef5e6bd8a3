import { z } from 'zod';
import { defineEvent, sha256Schema, tokenSchema } from './define.ts';

const labelData = z.object({
  imageId: sha256Schema,
  plotType: tokenSchema,
  label: tokenSchema,
  user: z.string().min(1).max(100),
  comment: z.string().max(2000).optional(),
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

export const labelEvents = [labelAssigned, labelRetracted] as const;
