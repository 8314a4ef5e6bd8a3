import type { z } from 'zod';

/** Data that does not match its event's schema: rejected before it reaches the stream. */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  readonly code = 'HYDRA_EVENT_INVALID';
  readonly status = 400;
  constructor(
    readonly eventType: string,
    readonly issues: z.core.$ZodIssue[],
    options?: { cause?: unknown },
  ) {
    super(`${eventType}: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, options);
  }
}

export class UnknownEventTypeError extends Error {
  override readonly name = 'UnknownEventTypeError';
  readonly code = 'HYDRA_EVENT_UNKNOWN_TYPE';
  constructor(readonly eventType: string) {
    super(`unknown event type "${eventType}"`);
  }
}

/** An append that demanded an expected last sequence found another one: someone else wrote first. */
export class ConcurrencyConflictError extends Error {
  override readonly name = 'ConcurrencyConflictError';
  readonly code = 'HYDRA_CONCURRENCY_CONFLICT';
  readonly status = 409;
  constructor(
    readonly subject: string,
    readonly expected: number,
    options?: { cause?: unknown },
  ) {
    super(`concurrent write on ${subject}: expected last sequence ${expected}, but the stream has moved on`, options);
  }
}

export const isConcurrencyConflict = (err: unknown): err is ConcurrencyConflictError =>
  err instanceof ConcurrencyConflictError;
