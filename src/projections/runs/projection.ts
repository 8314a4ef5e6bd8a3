import { defineProjection } from '../runtime/projection.ts';
import { utc } from '../verdicts/time.ts';
import { runs, type RunRow } from './table.ts';

export const runsProjection = defineProjection({
  name: 'runs',
  table: runs,
  idColumn: 'id',
  handles: ['image.arrived'],
  keyOf: (e) => (e.type === 'image.arrived' ? String(e.data.run) : null),
  evolve(current: RunRow | null, e, id): RunRow | null {
    if (e.type !== 'image.arrived') return current;
    const at = utc(e.data.arrivedAt);
    if (!current)
      return {
        id,
        run: e.data.run,
        runPeriod: e.data.runPeriod ?? null,
        firstArrivedAt: at,
        lastArrivedAt: at,
        arrivals: 1,
      };
    return {
      ...current,
      runPeriod: current.runPeriod ?? e.data.runPeriod ?? null,
      arrivals: current.arrivals + 1,
      firstArrivedAt: at < current.firstArrivedAt ? at : current.firstArrivedAt,
      lastArrivedAt: at > current.lastArrivedAt ? at : current.lastArrivedAt,
    };
  },
});
