/** ISO times as the database gives them back (UTC, milliseconds), so rows compare equal before and after a round trip. */
export const utc = (iso: string): string => new Date(iso).toISOString();
