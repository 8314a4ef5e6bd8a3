/** How the pages write times, numbers and colours. Pure; the time zone comes from configuration. */

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${tz}|${withDate}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      ...(withDate ? { year: 'numeric', month: '2-digit', day: '2-digit' } : {}),
    });
    formatters.set(key, f);
  }
  return f;
}

function parts(iso: string, tz: string, withDate: boolean): Record<string, string> {
  return Object.fromEntries(
    formatter(tz, withDate)
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
}

/** 14:03:22 */
export function clock(iso: string, tz: string): string {
  const p = parts(iso, tz, false);
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** 2026-11-26 14:03 */
export function dateTime(iso: string, tz: string, seconds = false): string {
  const p = parts(iso, tz, true);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${seconds ? `:${p.second}` : ''}`;
}

/** Today's times as a clock, older ones with their date. */
export function when(iso: string, tz: string, now: number): string {
  return now - Date.parse(iso) < 20 * 3600_000 ? clock(iso, tz) : dateTime(iso, tz);
}

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago" (the pages' script keeps it current). */
export function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 5) return 'just now';
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.round(s / 86400)} d`;
}

export const percent = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`;

export const count = (n: number): string => n.toLocaleString('en-US');

/** Black or white, whichever reads better on a #rrggbb background. */
export function inkOn(colour: string): '#000000' | '#ffffff' {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (!m) return '#ffffff';
  const lin = (h: string) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin(m[1]!) + 0.7152 * lin(m[2]!) + 0.0722 * lin(m[3]!);
  return l > 0.179 ? '#000000' : '#ffffff';
}

/** Offset of a time zone from UTC at an instant, in ms (positive east of Greenwich). */
function offsetMs(at: number, tz: string): number {
  const p = parts(new Date(at).toISOString(), tz, true);
  const asUtc = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour) % 24,
    Number(p.minute),
    Number(p.second),
  );
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** A wall-clock time in `tz` ("2026-11-26T14:00" or "2026-11-26") as a UTC instant (ISO). */
export function zonedToUtc(local: string, tz: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(local.trim());
  if (!m) throw new RangeError(`not a date or date-time: ${local}`);
  const guess = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
  let t = guess - offsetMs(guess, tz);
  t = guess - offsetMs(t, tz);
  return new Date(t).toISOString();
}

/** An instant as the value of a datetime-local input in `tz`. */
export function toLocalInput(iso: string, tz: string): string {
  const p = parts(iso, tz, true);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}
