/** A refused account change: a stable code, and the HTTP status a page answers it with. */
export class AccountError extends Error {
  override readonly name = 'AccountError';
  constructor(
    readonly code:
      | 'HYDRA_USER_EXISTS'
      | 'HYDRA_USER_UNKNOWN'
      | 'HYDRA_ROLE_NOT_HELD'
      | 'HYDRA_LAST_ADMIN'
      | 'HYDRA_TOKEN_UNKNOWN'
      | 'HYDRA_BAD_GRANT',
    message: string,
    readonly statusCode: 400 | 404 | 409,
  ) {
    super(message);
  }
}
