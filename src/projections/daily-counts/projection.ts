import { defineProjection } from '../runtime/projection.ts';
import { dailyCounts, type DailyCountRow } from './table.ts';

const dayOf = (iso: string) => iso.slice(0, 10);
const idOf = (plotType: string, iso: string) => `${plotType}|${dayOf(iso)}`;

/** Counts are not idempotent by nature: this projection is what proves the checkpoint never double counts. */
export const dailyCountsProjection = defineProjection({
  name: 'daily_counts',
  table: dailyCounts,
  idColumn: 'id',
  handles: ['image.arrived', 'image.sampled', 'label.assigned'],
  keyOf: (e) => {
    switch (e.type) {
      case 'image.arrived':
        return idOf(e.data.plotType, e.data.arrivedAt);
      case 'image.sampled':
        return idOf(e.data.plotType, e.time);
      case 'label.assigned':
        return idOf(e.data.plotType, e.time);
      default:
        return null;
    }
  },
  evolve(current: DailyCountRow | null, e, id): DailyCountRow | null {
    const [plotType = '', day = ''] = id.split('|');
    const row = current ?? { id, plotType, day, arrivals: 0, sampled: 0, labelled: 0 };
    switch (e.type) {
      case 'image.arrived':
        return { ...row, arrivals: row.arrivals + 1 };
      case 'image.sampled':
        return { ...row, sampled: row.sampled + 1 };
      case 'label.assigned':
        return { ...row, labelled: row.labelled + 1 };
      default:
        return current;
    }
  },
});
