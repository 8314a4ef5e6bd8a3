import { z } from 'zod';
import { defineEvent, sha256Schema, tokenSchema } from './define.ts';
import { bySchema, detectorsSchema, roleSchema } from './user.ts';

/** A machine client's API token: only its SHA-256 is kept (the token itself is shown once, when created). */
export const tokenCreated = defineEvent({
  type: 'token.created',
  schema: z.object({
    tokenId: tokenSchema,
    name: z.string().trim().min(1).max(100),
    role: roleSchema,
    detectors: detectorsSchema.optional(),
    hash: sha256Schema,
    by: bySchema,
  }),
  description: 'An Admin created an API token for a machine client, with the role it acts with.',
  key: (d) => d.tokenId,
});

export const tokenRevoked = defineEvent({
  type: 'token.revoked',
  schema: z.object({ tokenId: tokenSchema, by: bySchema }),
  description: 'An API token stopped working.',
  key: (d) => d.tokenId,
});

export const tokenEvents = [tokenCreated, tokenRevoked] as const;
