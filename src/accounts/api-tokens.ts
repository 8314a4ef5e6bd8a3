import { createHash, randomBytes } from 'node:crypto';

/**
 * An API token: `hydra_<id>_<secret>`, 32 random bytes of secret. Tokens are random, not chosen by people,
 * so one SHA-256 (no salt, no stretching) is enough to keep them: the table is looked up by that hash.
 */
export interface NewApiToken {
  readonly tokenId: string;
  /** The token itself: shown once, never stored. */
  readonly token: string;
  readonly hash: string;
}

export const hashApiToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function newApiToken(): NewApiToken {
  const tokenId = randomBytes(6).toString('hex');
  const token = `hydra_${tokenId}_${randomBytes(32).toString('base64url')}`;
  return { tokenId, token, hash: hashApiToken(token) };
}

/** The token in an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer ([\x21-\x7e]{1,500})$/.exec(header ?? '');
  return m ? m[1]! : null;
}
