/** Acknowledging (or looking up) an alarm nobody raised. */
export class AlarmNotFoundError extends Error {
  override readonly name = 'AlarmNotFoundError';
  readonly code = 'HYDRA_ALARM_NOT_FOUND';
  readonly status = 404;
  constructor(
    readonly alarmId: string,
    options?: { cause?: unknown },
  ) {
    super(`no alarm "${alarmId}" (hydra alarms list shows them)`, options);
  }
}

/** A notification target did not accept a notification; it is retried, never dropped. */
export class NotifyError extends Error {
  override readonly name = 'NotifyError';
  readonly code = 'HYDRA_NOTIFY_FAILED';
  constructor(
    readonly target: string,
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(`${target}: ${message}`, options);
  }
}
