/** A service Hydra needs could not be found, started, stopped or installed. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code:
      | 'HYDRA_SERVICE_START_FAILED'
      | 'HYDRA_SERVICE_BINARY_MISSING'
      | 'HYDRA_SERVICE_STOP_FAILED'
      | 'HYDRA_SERVICE_LOCKED'
      | 'HYDRA_SERVICE_INSTALL_FAILED'
      | 'HYDRA_SERVICE_NOT_RUNNING',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
