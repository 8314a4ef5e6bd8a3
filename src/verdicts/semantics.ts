/**
 * What a verdict means, in one place: which labels are a problem in a plot type, when a verdict is
 * confirmed Bad, Unconfirmed or good, and how that is written down for SQL readers.
 */

/**
 * A verdict as the verdicts read model stores it for SQL readers and the Log: the label when confirmed,
 * else one of these (parentheses never occur in label names).
 */
export const OUTCOME = {
  unconfirmed: '(unconfirmed)',
  pending: '(pending)',
  skipped: '(skipped)',
  failed: '(failed)',
} as const;
