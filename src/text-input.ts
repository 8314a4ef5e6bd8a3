import { z } from 'zod';
import { INT_MAX } from './events/define.ts';

/**
 * The one way text from outside becomes a value: HTTP query and form fields, multipart fields, CLI options and
 * CSV cells. Numbers are decimal digits within their bounds (no '', '0x10', ' 7 ', '1e3'), dates are real
 * calendar dates, and every message says what was expected, with the allowed range. The field's name comes
 * from the zod path where the message is shown.
 */

export interface WholeNumberRange {
  readonly min?: number;
  readonly max?: number;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

const quoted = (text: string): string => JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}…` : text);

/** What a whole-number field accepts, in words: "a whole number from 0 to 2147483647 (decimal digits)". */
export function wholeNumberExpected(range: WholeNumberRange = {}): string {
  return `a whole number from ${range.min ?? 0} to ${range.max ?? INT_MAX} (decimal digits)`;
}

/** Decimal digits only, within [min, max] (by default 0 to the largest INT a read model stores). Pure. */
export function parseWholeNumber(text: string, range: WholeNumberRange = {}): Parsed<number> {
  const min = range.min ?? 0;
  const max = range.max ?? INT_MAX;
  const expected = wholeNumberExpected({ min, max });
  if (text === '') return { ok: false, problem: `empty; expected ${expected}` };
  if (!/^[0-9]+$/.test(text)) return { ok: false, problem: `${quoted(text)} is not ${expected}` };
  const value = text.length > 16 ? Number.POSITIVE_INFINITY : Number(text);
  if (value < min || value > max)
    return { ok: false, problem: `${quoted(text)} is out of range; expected ${expected}` };
  return { ok: true, value };
}

/** A zod schema for a whole-number text field. */
export function wholeNumberText(range: WholeNumberRange = {}) {
  return z.string({ error: `expected ${wholeNumberExpected(range)}` }).transform((text, ctx) => {
    const r = parseWholeNumber(text, range);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.problem });
    return z.NEVER;
  });
}

export interface DecimalRange {
  readonly min: number;
  readonly max: number;
  /** The minimum itself is refused (a learning rate above 0). */
  readonly aboveMin?: boolean;
  /** The maximum itself is refused (a fraction below 1). */
  readonly belowMax?: boolean;
}

/** What a decimal field accepts, in words: "a decimal number from 0 to 1 (digits and a point, e.g. 0.25)". */
export function decimalExpected(r: DecimalRange): string {
  return `a decimal number ${r.aboveMin ? 'above' : 'from'} ${r.min} ${r.belowMax ? 'and below' : 'to'} ${r.max} (digits and a point, e.g. 0.25)`;
}

/** Plain decimal notation only (no sign, exponent or hex), within the range. Pure. */
export function parseDecimal(text: string, range: DecimalRange): Parsed<number> {
  const expected = decimalExpected(range);
  if (text === '') return { ok: false, problem: `empty; expected ${expected}` };
  if (!/^[0-9]{1,16}(\.[0-9]{1,16})?$|^\.[0-9]{1,16}$/.test(text))
    return { ok: false, problem: `${quoted(text)} is not ${expected}` };
  const v = Number(text);
  const low = range.aboveMin ? v <= range.min : v < range.min;
  const high = range.belowMax ? v >= range.max : v > range.max;
  return low || high
    ? { ok: false, problem: `${quoted(text)} is out of range; expected ${expected}` }
    : { ok: true, value: v };
}

/** A zod schema for a decimal text field. */
export function decimalText(range: DecimalRange) {
  return z.string({ error: `expected ${decimalExpected(range)}` }).transform((text, ctx) => {
    const r = parseDecimal(text, range);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.problem });
    return z.NEVER;
  });
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const LOCAL_TIME_EXPECTED = 'a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM[:SS]) between 1970 and 9999';

/** A calendar date, optionally with a wall-clock time, that exists (no 2024-13-45, no 2025-02-29, no 24:00). Pure. */
export function parseLocalTime(text: string): Parsed<string> {
  const m = DATE_TIME.exec(text);
  if (!m) return { ok: false, problem: `${quoted(text)} is not ${LOCAL_TIME_EXPECTED}` };
  const [year, month, day, hour, minute, second] = m.slice(1).map((p) => (p === undefined ? 0 : Number(p))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const real =
    year >= 1970 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59;
  return real
    ? { ok: true, value: text }
    : { ok: false, problem: `${quoted(text)} is not a real date and time; expected ${LOCAL_TIME_EXPECTED}` };
}

/** A zod schema for a local date or date-time text field (kept as text: the time zone is applied later). */
export const localTimeText = z.string({ error: `expected ${LOCAL_TIME_EXPECTED}` }).transform((text, ctx) => {
  const r = parseLocalTime(text);
  if (r.ok) return r.value;
  ctx.addIssue({ code: 'custom', message: r.problem });
  return z.NEVER;
});

/** An optional form field: left empty, it is absent. */
export const optionalText = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/**
 * A field given more than once (`?run=1&run=2`, two form parts of one name) arrives as an array where one value
 * is expected: the message says so instead of zod's "expected string, received array". Applied to every issue of
 * a request by the schemas plugin, and to CLI options.
 */
export function singleValueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code !== 'invalid_type' || issue.expected === 'array') return issue.message;
  let v: unknown = input;
  for (const key of issue.path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return Array.isArray(v) ? `given ${v.length} times; give one value` : issue.message;
}

/** "field: problem; other: problem" from zod issues, with repeated fields named as such. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown, whole = 'input'): string {
  return issues.map((i) => `${i.path.map(String).join('.') || whole}: ${singleValueMessage(i, input)}`).join('; ');
}
