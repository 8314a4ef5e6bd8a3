import { defineProjection } from '../runtime/projection.ts';
import { utc } from '../verdicts/time.ts';
import { news, type NewsRow } from './table.ts';

export const newsProjection = defineProjection({
  name: 'news',
  table: news,
  idColumn: 'id',
  handles: ['news.posted', 'news.cleared'],
  keyOf: (e) => e.key,
  evolve(current: NewsRow | null, e, id): NewsRow | null {
    if (e.type === 'news.cleared') return null;
    if (e.type !== 'news.posted') return current;
    const d = e.data;
    return {
      id,
      text: d.text,
      level: d.level,
      user: d.user,
      postedAt: e.time,
      expiresAt: d.expiresAt ? utc(d.expiresAt) : null,
    };
  },
});
