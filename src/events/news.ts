import { z } from 'zod';
import { defineEvent, isoTime } from './define.ts';

/** The one banner the shift crew sees on top of the Run page (there is one at a time: key `banner`). */
export const newsPosted = defineEvent({
  type: 'news.posted',
  schema: z.object({
    text: z.string().trim().min(1).max(2000),
    level: z.enum(['info', 'warning', 'critical']).default('info'),
    user: z.string().min(1).max(100),
    expiresAt: isoTime.optional(),
  }),
  description: 'An admin set the news banner shown on the Run page (replaces the previous one).',
  key: () => 'banner',
});

export const newsCleared = defineEvent({
  type: 'news.cleared',
  schema: z.object({ user: z.string().min(1).max(100) }),
  description: 'An admin took the news banner down.',
  key: () => 'banner',
});

export const newsEvents = [newsPosted, newsCleared] as const;
