import type { PlotTypeSpec } from '../events/plottype.ts';

/** Hall D's convention, `<plotname>-<pad:02d>_<chunk:04d>.png`, used when a plot type sets no pattern of its own. */
export const DEFAULT_PATTERN = '^(?<plot>[A-Za-z0-9_]+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.png$';

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

const compiled = new Map<string, RegExp | null>();
function regexOf(pattern: string): RegExp | null {
  if (!compiled.has(pattern)) {
    try {
      compiled.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      compiled.set(pattern, null);
    }
  }
  return compiled.get(pattern)!;
}

/** Checks that a pattern compiles and has the named groups Hydra needs. */
export function patternProblem(pattern: string): string | null {
  const re = regexOf(pattern);
  if (!re) return `pattern ${JSON.stringify(pattern)} is not a valid regular expression`;
  const groups = ['pad', 'chunk'].filter((g) => !pattern.includes(`(?<${g}>`));
  return groups.length ? `pattern must capture named groups ${groups.join(', ')}` : null;
}

const int = (s: string | undefined): number | undefined => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);

/**
 * Finds the plot type a file name belongs to. A type matches when its pattern matches and, where
 * the pattern captures `plot`, that capture is the type's name. A name no configured type claims, but
 * that the default convention parses, is unassigned (kept until its type is defined).
 */
export function matchFileName(fileName: string, plotTypes: Iterable<PlotTypeSpec>): NameResult {
  for (const pt of plotTypes) {
    const m = regexOf(pt.pattern)?.exec(fileName);
    if (!m?.groups) continue;
    if (m.groups.plot !== undefined && m.groups.plot !== pt.name) continue;
    const pad = int(m.groups.pad);
    const chunk = int(m.groups.chunk);
    if (pad === undefined || chunk === undefined) continue;
    const run = int(m.groups.run);
    return { kind: 'matched', match: { plotType: pt.name, pad, chunk, ...(run !== undefined ? { run } : {}) } };
  }
  const d = regexOf(DEFAULT_PATTERN)!.exec(fileName);
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
