import type { Meaning } from './semantics.ts';

/**
 * A plot type's current problem, in one place, for the alarm worker, the Run tile (plot status) and the Log:
 *
 * - It **starts** with a bad verdict (a confirmed problem label, src/verdicts/semantics.ts) while none is open.
 * - Every later verdict **counts** while it lasts: each bad one in `bad`, each unconfirmed one in `unconfirmed`.
 * - A good verdict (confirmed, not a problem label) **ends** it. An unconfirmed verdict neither starts nor ends one.
 * - Verdicts are folded in the order they were appended to the stream (every reader sees that one order), each
 *   once: the count is how many verdicts the problem has had, whatever the images' arrival order.
 */
export interface Streak {
  /** When the first bad verdict's image arrived (or, when its arrival is not known, when it was decided). */
  readonly since: string;
  /** The arrival and image (content) of the first bad verdict. */
  readonly arrivalId: string;
  readonly imageId: string;
  readonly run: number | null;
  readonly chunk: number | null;
  /** The first bad verdict's label. */
  readonly label: string;
  readonly bad: number;
  readonly unconfirmed: number;
}

/** What the streak needs of one verdict. */
export interface StreakStep {
  readonly meaning: Meaning;
  readonly label: string;
  readonly at: string;
  readonly arrivalId: string;
  readonly imageId: string;
  readonly run: number | null;
  readonly chunk: number | null;
}

/** The streak after one more verdict (null: no problem now). Pure. */
export function nextStreak(s: Streak | null, v: StreakStep): Streak | null {
  switch (v.meaning) {
    case 'good':
      return null;
    case 'unconfirmed':
      return s && { ...s, unconfirmed: s.unconfirmed + 1 };
    case 'bad':
      return s
        ? { ...s, bad: s.bad + 1 }
        : {
            since: v.at,
            arrivalId: v.arrivalId,
            imageId: v.imageId,
            run: v.run,
            chunk: v.chunk,
            label: v.label,
            bad: 1,
            unconfirmed: 0,
          };
  }
}

/** How many images the problem has had (its bad and unconfirmed verdicts); 0 without one. */
export const streakCount = (s: Pick<Streak, 'bad' | 'unconfirmed'> | null): number => (s ? s.bad + s.unconfirmed : 0);

/** The count as every page says it: `224 images (10 Unconfirmed)`. */
export function streakCountText(s: Pick<Streak, 'bad' | 'unconfirmed'>): string {
  const n = streakCount(s);
  return `${n} image${n === 1 ? '' : 's'}${s.unconfirmed ? ` (${s.unconfirmed} Unconfirmed)` : ''}`;
}
