import { z } from 'zod';
import { defineEvent } from './define.ts';
import { bySchema } from './user.ts';

/** Site-wide settings an Admin changes from the pages or the command line. */
export const siteSettingsChanged = defineEvent({
  type: 'site.settings-changed',
  schema: z.object({
    /** Whether the Run, Log, Timeline and Status pages may be watched without signing in. */
    anonymousViewing: z.boolean().optional(),
    by: bySchema,
  }),
  description: 'An Admin changed a site setting (only the settings named are changed).',
  key: () => 'site',
});

export const siteEvents = [siteSettingsChanged] as const;
