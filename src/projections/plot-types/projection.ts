import { defineProjection } from '../runtime/projection.ts';
import { plotTypes, type PlotTypeRow } from './table.ts';

export const plotTypesProjection = defineProjection({
  name: 'plot_types',
  table: plotTypes,
  idColumn: 'name',
  handles: ['plottype.defined', 'plottype.updated', 'plottype.retired'],
  keyOf: (e) => e.key,
  evolve(current: PlotTypeRow | null, e): PlotTypeRow | null {
    switch (e.type) {
      case 'plottype.defined':
      case 'plottype.updated':
        return {
          name: e.data.name,
          detector: e.data.detector,
          spec: e.data,
          retired: false,
          revision: (current?.revision ?? 0) + 1,
          definedAt: current?.definedAt ?? e.time,
          updatedAt: e.time,
        };
      case 'plottype.retired':
        return current ? { ...current, retired: true, revision: current.revision + 1, updatedAt: e.time } : null;
      default:
        return current;
    }
  },
});
