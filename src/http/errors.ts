/** An error a page can show: an HTTP status, a stable code, and the underlying cause. */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  constructor(what: string, options?: { cause?: unknown }) {
    super(404, 'HYDRA_HTTP_NOT_FOUND', `${what} was not found`, options);
  }
}

export class ForbiddenError extends HttpError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super(403, 'HYDRA_HTTP_FORBIDDEN', message);
  }
}

export class RequestValidationError extends HttpError {
  override readonly name = 'RequestValidationError';
  constructor(
    readonly issues: readonly { path: readonly PropertyKey[]; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      400,
      'HYDRA_HTTP_BAD_REQUEST',
      issues.map((i) => `${i.path.map(String).join('.') || 'request'}: ${i.message}`).join('; '),
      options,
    );
  }
}
