/**
 * Whether an error applying events is the events' fault (the same events would fail again: park
 * them) or the world's (connection lost, deadlock, server going away, schema not migrated: retry).
 * Only what is plainly about the data counts as a refusal; anything else is retried, so an outage
 * never turns good events into dead letters.
 */
export function isRefusal(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & { code?: unknown; sqlState?: unknown; fatal?: unknown };
  if (e.fatal === true) return false;
  if (typeof e.sqlState === 'string') {
    // SQLSTATE class 22: data exception (out of range, too long, bad date); 23: integrity constraint.
    return /^2[23]/.test(e.sqlState) || (typeof e.code === 'string' && DATA_CODES.has(e.code));
  }
  // System and driver errors (ECONNRESET, PROTOCOL_CONNECTION_LOST, "Pool is closed", ...).
  if (typeof e.code === 'string' || CLOSED.test(e.message)) return false;
  // Our own code threw on this event's values (TypeError, RangeError "Invalid time value", ...).
  return e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError;
}

/** MariaDB/MySQL errors about a value that report the generic SQLSTATE HY000. */
const DATA_CODES = new Set([
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_DATA_TOO_LONG',
  'ER_WRONG_VALUE_FOR_TYPE',
  'ER_INVALID_CHARACTER_STRING',
  'ER_CANNOT_CONVERT_CHARACTER',
  'ER_TOO_BIG_ROWSIZE',
  'ER_JSON_DOCUMENT_TOO_DEEP',
]);

const CLOSED = /closed state|pool is closed|connection lost|server has gone away/i;

/** The message kept in `dead_letters` for a refused event. */
export function refusalMessage(err: unknown): string {
  const e = err as Error & { code?: unknown };
  return `the database refused it${typeof e.code === 'string' ? ` (${e.code})` : ''}: ${e.message}`;
}
