import { defineProjection } from '../runtime/projection.ts';
import { labels, type LabelRow } from './table.ts';

export const labelsProjection = defineProjection({
  name: 'labels',
  table: labels,
  idColumn: 'imageId',
  handles: ['label.assigned', 'label.retracted'],
  keyOf: (e) => e.key,
  evolve(current: LabelRow | null, e): LabelRow | null {
    if (e.type === 'label.assigned') {
      const d = e.data;
      return {
        imageId: d.imageId,
        plotType: d.plotType,
        label: d.label,
        user: d.user,
        comment: d.comment ?? null,
        labelledAt: e.time,
      };
    }
    if (e.type === 'label.retracted') {
      // Retracting a label that is no longer the current one changes nothing.
      return current && current.label === e.data.label ? null : current;
    }
    return current;
  },
});
