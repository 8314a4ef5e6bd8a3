import path from 'node:path';
import type { Config } from '../config.ts';
import type { Hydra } from '../context.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { Ingestor } from './ingest.ts';

/** Where ingest reads, quarantines, keeps and archives files, from the configuration. */
export function ingestDirs(config: Config) {
  return {
    inbox: path.resolve(config.HYDRA_INBOX),
    quarantine: path.resolve(config.HYDRA_QUARANTINE_DIR ?? path.join(config.HYDRA_VAR_DIR, 'quarantine')),
    unassigned: path.resolve(config.HYDRA_UNASSIGNED_DIR ?? path.join(config.HYDRA_VAR_DIR, 'unassigned')),
    archive: path.resolve(config.HYDRA_ARCHIVE_DIR ?? path.join(config.HYDRA_VAR_DIR, 'archive')),
  };
}

/** The one Ingestor of a process: the feeder and the upload API share it. */
export async function openIngestor(
  hydra: Hydra,
  producer = 'ingest',
): Promise<{ ingestor: Ingestor; plotTypes: PlotTypeCache }> {
  const plotTypes = await PlotTypeCache.open(hydra.log);
  const dirs = ingestDirs(hydra.config);
  const ingestor = new Ingestor(
    hydra.log,
    hydra.blobs,
    plotTypes,
    dirs,
    { maxBytes: hydra.config.HYDRA_MAX_IMAGE_BYTES, maxPixels: hydra.config.HYDRA_MAX_IMAGE_PIXELS },
    { correlationId: producer, producer },
  );
  return { ingestor, plotTypes };
}
