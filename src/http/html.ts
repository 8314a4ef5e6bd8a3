/**
 * HTML built from tagged templates that escape every interpolated value by default. Only values
 * that are already `Html` (made by `html` itself or, rarely and on purpose, `trusted`) pass through.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function render(part: Part): string {
  if (part instanceof Html) return part.value;
  if (part === null || part === undefined || part === false || part === true) return '';
  if (typeof part === 'number') return String(part);
  if (typeof part === 'string') return escapeHtml(part);
  return part.map(render).join('');
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup we wrote ourselves (a stylesheet, an inline SVG path): never pass event data here. */
export const trusted = (markup: string): Html => new Html(markup);

/** A URL path from segments, each percent-encoded; query values likewise. */
export function href(
  path: readonly (string | number)[],
  query: Record<string, string | number | undefined | null> = {},
): string {
  const p = `/${path.map((s) => encodeURIComponent(String(s))).join('/')}`;
  const q = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return q ? `${p}?${q}` : p;
}
