import { defineProjection } from '../runtime/projection.ts';
import { scoreHourly, type ScoreHourlyRow } from './table.ts';

export const hourOf = (iso: string): string => `${new Date(iso).toISOString().slice(0, 13)}:00:00.000Z`;

/** Sums are not idempotent by nature: the runner's checkpoint is what keeps a redelivery from counting twice. */
export const scoreHistoryProjection = defineProjection({
  name: 'score_hourly',
  table: scoreHourly,
  idColumn: 'id',
  handles: ['inference.completed'],
  keyOf: (e) => (e.type === 'inference.completed' ? `${e.data.plotType}|${hourOf(e.time)}` : null),
  evolve(current: ScoreHourlyRow | null, e, id): ScoreHourlyRow | null {
    if (e.type !== 'inference.completed') return current;
    const d = e.data;
    const row = current ?? {
      id,
      plotType: d.plotType,
      hour: hourOf(e.time),
      n: 0,
      unconfirmed: 0,
      sums: {},
      maxes: {},
      verdicts: {},
      minRun: null,
      maxRun: null,
    };
    const sums = { ...row.sums };
    const maxes = { ...row.maxes };
    for (const [label, score] of Object.entries(d.scores)) {
      sums[label] = (sums[label] ?? 0) + score;
      maxes[label] = Math.max(maxes[label] ?? 0, score);
    }
    const verdicts = d.confirmed ? { ...row.verdicts, [d.verdict]: (row.verdicts[d.verdict] ?? 0) + 1 } : row.verdicts;
    return { ...row, n: row.n + 1, unconfirmed: row.unconfirmed + (d.confirmed ? 0 : 1), sums, maxes, verdicts };
  },
});
