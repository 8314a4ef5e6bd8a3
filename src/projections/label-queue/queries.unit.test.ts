import { describe, expect, it } from 'vitest';
import { countsSay, matchingOfCounts, type QueueCount, type QueueFilter, type QueueName } from './queries.ts';

const counts: Record<QueueName, QueueCount> = {
  unbiased: { total: 10, unlabelled: 7 },
  bad: { total: 15, unlabelled: 15 },
  unconfirmed: { total: 0, unlabelled: 0 },
  unsure: { total: 2, unlabelled: 1 },
  all: { total: 30, unlabelled: 22 },
};
const plain: QueueFilter = { plotType: 'CDC', queue: 'all', labelled: 'unlabelled', order: 'newest', limit: 200 };

describe("a view's size from the queue's counts", () => {
  it('is the queue count for whose images the view shows', () => {
    expect(countsSay(plain)).toBe(true);
    expect(matchingOfCounts(plain, counts)).toBe(22);
    expect(matchingOfCounts({ ...plain, labelled: 'any' }, counts)).toBe(30);
    expect(matchingOfCounts({ ...plain, labelled: 'labelled' }, counts)).toBe(8);
    expect(matchingOfCounts({ ...plain, queue: 'unsure', labelled: 'any' }, counts)).toBe(2);
    // The cursor only moves the page: the view is as large.
    expect(countsSay({ ...plain, after: { at: '2026-11-20T08:00:00.000Z', imageId: 'a'.repeat(64) } })).toBe(true);
  });

  it('is counted on its own when a run, time, verdict or label filter narrows the view', () => {
    for (const narrowed of [
      { runFrom: 1 },
      { runTo: 9 },
      { from: 'x' },
      { to: 'y' },
      { verdict: 'Bad' },
      { label: '(none)' },
    ])
      expect(countsSay({ ...plain, ...narrowed })).toBe(false);
  });
});
