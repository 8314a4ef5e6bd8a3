import { defineProjection } from '../runtime/projection.ts';
import { apiTokens, type ApiTokenRow } from './table.ts';

export const apiTokensProjection = defineProjection({
  name: 'api_tokens',
  table: apiTokens,
  idColumn: 'tokenId',
  handles: ['token.created', 'token.revoked'],
  keyOf: (e) => e.key,
  evolve(current: ApiTokenRow | null, e): ApiTokenRow | null {
    if (e.type === 'token.created') {
      if (current) return current;
      const d = e.data;
      return {
        tokenId: d.tokenId,
        name: d.name,
        role: d.role,
        detectors: d.detectors ?? null,
        hash: d.hash,
        createdBy: d.by,
        createdAt: e.time,
        revokedBy: null,
        revokedAt: null,
      };
    }
    if (e.type === 'token.revoked' && current && !current.revokedAt)
      return { ...current, revokedBy: e.data.by, revokedAt: e.time };
    return current;
  },
});
