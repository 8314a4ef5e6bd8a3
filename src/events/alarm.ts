import { z } from 'zod';
import { defineEvent, isoTime, positiveWholeNumber, sha256Schema, tokenSchema, wholeNumber } from './define.ts';

export const alarmRaised = defineEvent({
  type: 'alarm.raised',
  schema: z.object({
    alarmId: tokenSchema,
    plotType: tokenSchema,
    detector: z.string().max(64),
    run: wholeNumber,
    label: tokenSchema,
    confidence: z.number().min(0).max(1),
    firstImageId: sha256Schema,
    imageIds: z.array(sha256Schema),
    raisedAt: isoTime,
    /** The plot type's episode number (1, 2, ...): alarmId is `<plotType>-<episode>` when Hydra raised it. */
    episode: positiveWholeNumber.optional(),
  }),
  description: 'A plot type went bad: one event per episode, not per image.',
  key: (d) => d.plotType,
});

export const alarmResolved = defineEvent({
  type: 'alarm.resolved',
  schema: z.object({
    alarmId: tokenSchema,
    plotType: tokenSchema,
    imageId: sha256Schema.optional(),
    resolvedAt: isoTime,
  }),
  description: 'The plot type is Good again.',
  key: (d) => d.plotType,
});

export const alarmAcknowledged = defineEvent({
  type: 'alarm.acknowledged',
  schema: z.object({
    alarmId: tokenSchema,
    plotType: tokenSchema,
    user: z.string().max(100),
    comment: z.string().max(2000).optional(),
  }),
  description: 'A person saw the alarm.',
  key: (d) => d.plotType,
});

export const alarmEvents = [alarmRaised, alarmResolved, alarmAcknowledged] as const;
