import RE2 from 're2';
import type { PlotTypeSpec } from '../events/plottype.ts';

/**
 * Hall D's convention, `<plotname>-<pad:02d>_<chunk:04d>.png` (any case of `.png`), used when a plot type
 * sets no pattern of its own.
 */
export const DEFAULT_PATTERN = '^(?<plot>[A-Za-z0-9_]+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.(?i:png)$';

/**
 * Names longer than this are refused before any pattern sees them (file systems allow 255 bytes). With
 * RE2's linear-time matching it bounds the work of one match by the name and pattern lengths.
 */
export const MAX_FILE_NAME_LENGTH = 1024;

/** The named groups a site pattern must capture. `run` is optional. */
const REQUIRED_GROUPS = ['plot', 'pad', 'chunk'] as const;

export interface NameMatch {
  readonly plotType: string;
  readonly pad: number;
  readonly chunk: number;
  readonly run?: number;
}

export type NameResult =
  | { readonly kind: 'matched'; readonly match: NameMatch }
  | { readonly kind: 'unassigned'; readonly plotName: string; readonly pad: number; readonly chunk: number }
  | { readonly kind: 'bad-name'; readonly reason: string };

type Compiled = { readonly ok: true; readonly re: RE2 } | { readonly ok: false; readonly reason: string };

/**
 * Site patterns run on RE2, whose matching time is linear in the name: no pattern can backtrack
 * catastrophically. RE2 refuses what would need backtracking (back-references, look-around).
 */
const compiled = new Map<string, Compiled>();
function compile(pattern: string): Compiled {
  let c = compiled.get(pattern);
  if (!c) {
    try {
      c = { ok: true, re: new RE2(pattern, 'u') };
    } catch (err) {
      c = { ok: false, reason: (err as Error).message };
    }
    compiled.set(pattern, c);
  }
  return c;
}

function execPattern(pattern: string, fileName: string): RegExpExecArray | null {
  const c = compile(pattern);
  return c.ok ? c.re.exec(fileName) : null;
}

const groupNames = (pattern: string): Set<string> =>
  new Set([...pattern.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!));

/** Checks that a pattern compiles on RE2 and captures the named groups plot, pad and chunk. */
export function patternProblem(pattern: string): string | null {
  const c = compile(pattern);
  if (!c.ok)
    return `pattern ${JSON.stringify(pattern)} is not a regular expression Hydra can run in linear time (RE2): ${c.reason}`;
  const names = groupNames(pattern);
  const missing = REQUIRED_GROUPS.filter((g) => !names.has(g));
  return missing.length
    ? `pattern must capture the named groups plot, pad and chunk; missing ${missing.join(', ')}`
    : null;
}

const int = (s: string | undefined): number | undefined => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);

/**
 * Finds the plot type a file name belongs to. A type matches when its pattern matches and its `plot`
 * capture is the type's name. A name no configured type claims, but
 * that the default convention parses, is unassigned (kept until its type is defined).
 */
export function matchFileName(fileName: string, plotTypes: Iterable<PlotTypeSpec>): NameResult {
  if (fileName.length > MAX_FILE_NAME_LENGTH)
    return {
      kind: 'bad-name',
      reason: `file name is ${fileName.length} characters long, over the limit of ${MAX_FILE_NAME_LENGTH}`,
    };
  for (const pt of plotTypes) {
    const m = patternProblem(pt.pattern) ? null : execPattern(pt.pattern, fileName);
    if (!m?.groups) continue;
    if (m.groups.plot !== pt.name) continue;
    const pad = int(m.groups.pad);
    const chunk = int(m.groups.chunk);
    if (pad === undefined || chunk === undefined) continue;
    const run = int(m.groups.run);
    return { kind: 'matched', match: { plotType: pt.name, pad, chunk, ...(run !== undefined ? { run } : {}) } };
  }
  const d = execPattern(DEFAULT_PATTERN, fileName);
  if (d?.groups)
    return { kind: 'unassigned', plotName: d.groups.plot!, pad: Number(d.groups.pad), chunk: Number(d.groups.chunk) };
  const stem = fileName.replace(/\.png$/i, '');
  if (/\.png$/i.test(fileName) && /^[A-Za-z0-9_-]{1,128}$/.test(stem))
    return { kind: 'unassigned', plotName: stem, pad: 0, chunk: 0 };
  return {
    kind: 'bad-name',
    reason: `file name ${JSON.stringify(fileName)} does not follow <plotname>-<pad:02d>_<chunk:04d>.png or any configured pattern`,
  };
}
