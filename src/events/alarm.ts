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
    /**
     * The arrival (image.arrived's arrivalId) of that first image: what the alarm's links open (the same bytes may have
     * arrived in other chunks too). Absent in alarms raised before it was recorded (added within version 2).
     */
    firstArrivalId: sha256Schema.optional(),
    imageIds: z.array(sha256Schema),
    /** Images in the plot type's problem streak when it was raised (src/verdicts/streak.ts); absent before version 2. */
    imageCount: wholeNumber.optional(),
    raisedAt: isoTime,
    /** The plot type's episode number (1, 2, ...): alarmId is `<plotType>-<episode>` when Hydra raised it. */
    episode: positiveWholeNumber.optional(),
  }),
  description: 'A plot type went bad: one event per episode, not per image.',
  key: (d) => d.plotType,
  // Version 2 added imageCount (optional): version 1 data is version 2 data as it is.
  version: 2,
  upcasters: { 1: (d) => d },
});

export const alarmResolved = defineEvent({
  type: 'alarm.resolved',
  schema: z.object({
    alarmId: tokenSchema,
    plotType: tokenSchema,
    imageId: sha256Schema.optional(),
    resolvedAt: isoTime,
    /** Images the problem streak had when it ended (src/verdicts/streak.ts); absent before version 2. */
    imageCount: wholeNumber.optional(),
  }),
  description: 'The plot type is Good again.',
  key: (d) => d.plotType,
  version: 2,
  upcasters: { 1: (d) => d },
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
