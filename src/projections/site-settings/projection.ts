import { defineProjection } from '../runtime/projection.ts';
import { siteSettings, type SiteSettingsRow } from './table.ts';

export const siteSettingsProjection = defineProjection({
  name: 'site_settings',
  table: siteSettings,
  idColumn: 'id',
  handles: ['site.settings-changed'],
  keyOf: (e) => e.key,
  evolve(current: SiteSettingsRow | null, e, id): SiteSettingsRow | null {
    if (e.type !== 'site.settings-changed') return current;
    return {
      id,
      anonymousViewing: e.data.anonymousViewing ?? current?.anonymousViewing ?? null,
      updatedBy: e.data.by,
      updatedAt: e.time,
    };
  },
});
