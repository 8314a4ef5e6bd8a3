import { z } from 'zod';
import { defineEvent } from './define.ts';

/**
 * A person's name in Hydra: lower-case letters, digits and `._@-` (so single sign-on names such as
 * `jdoe@jlab.org` fit), at most 100 characters: what every event's `metadata.user` holds.
 */
export const userNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9._@-]{0,99}$/,
    'a user name: letters, digits and . _ @ - (1-100, starting with a letter or digit)',
  );

export const roleSchema = z.enum(['viewer', 'labeler', 'expert', 'admin']);
export type Role = z.infer<typeof roleSchema>;

/** Detector names an Expert grant covers (as plot types name them); absent = every detector. */
export const detectorsSchema = z.array(z.string().trim().min(1).max(64)).min(1).max(100);

/** An argon2id hash in PHC string form (`$argon2id$v=19$m=…`): never the password itself. */
export const passwordHashSchema = z
  .string()
  .max(400)
  .regex(/^\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/, 'an argon2id hash');

/** Who did it: the signed-in user, an API token's name, or `cli:<login>` for the command line. */
export const bySchema = z.string().min(1).max(100);

export const userAdded = defineEvent({
  type: 'user.added',
  schema: z.object({
    user: userNameSchema,
    displayName: z.string().trim().min(1).max(100).optional(),
    email: z.email().max(200).optional(),
    passwordHash: passwordHashSchema.optional(),
    by: bySchema,
  }),
  description: 'A person got an account (no role yet; roles come with user.role-granted).',
  key: (d) => d.user,
});

export const userPasswordSet = defineEvent({
  type: 'user.password-set',
  schema: z.object({ user: userNameSchema, passwordHash: passwordHashSchema, by: bySchema }),
  description: "A user's password was set or changed (its argon2id hash); their open sessions end.",
  key: (d) => d.user,
});

export const userRoleGranted = defineEvent({
  type: 'user.role-granted',
  schema: z.object({ user: userNameSchema, role: roleSchema, detectors: detectorsSchema.optional(), by: bySchema }),
  description: 'A user was given a role (an Expert for the listed detectors, or for all when none are listed).',
  key: (d) => d.user,
});

export const userRoleRevoked = defineEvent({
  type: 'user.role-revoked',
  schema: z.object({ user: userNameSchema, role: roleSchema, by: bySchema }),
  description: 'A role was taken from a user.',
  key: (d) => d.user,
});

export const userDisabled = defineEvent({
  type: 'user.disabled',
  schema: z.object({ user: userNameSchema, by: bySchema }),
  description: 'A user may no longer sign in; their open sessions end.',
  key: (d) => d.user,
});

export const userEnabled = defineEvent({
  type: 'user.enabled',
  schema: z.object({ user: userNameSchema, by: bySchema }),
  description: 'A disabled user may sign in again.',
  key: (d) => d.user,
});

export const userEvents = [
  userAdded,
  userPasswordSet,
  userRoleGranted,
  userRoleRevoked,
  userDisabled,
  userEnabled,
] as const;
