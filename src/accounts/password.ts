import { hash, verify, Algorithm } from '@node-rs/argon2';

/**
 * Passwords are hashed with argon2id (memory-hard; OWASP's parameters: 19 MiB, 2 passes, 1 lane) on libuv's
 * thread pool, off the event loop. Only the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) is kept.
 */
const PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

export class WeakPasswordError extends Error {
  override readonly name = 'WeakPasswordError';
  readonly code = 'HYDRA_WEAK_PASSWORD';
}

/** Why a password cannot be used, or null when it can. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN) return `a password needs at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `a password has at most ${PASSWORD_MAX} characters`;
  if (password.trim() !== password) return 'a password may not start or end with a space';
  return null;
}

export async function hashPassword(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new WeakPasswordError(problem);
  return hash(password, PARAMS);
}

// A fixed hash to verify against when the user does not exist, so that a wrong name takes as long as a wrong password.
let dummy: Promise<string> | undefined;

/** Whether a password matches a stored hash; with no hash (no such user, no password) false, in the same time. */
export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX) return false;
  if (!stored) {
    dummy ??= hash('not-a-password-anyone-has', PARAMS);
    await verify(await dummy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
