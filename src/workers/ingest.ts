import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Config } from '../config.ts';
import type { Hydra } from '../context.ts';
import { Feeder } from '../ingest/feeder.ts';
import { Ingestor } from '../ingest/ingest.ts';
import { reingestUnassigned } from '../ingest/reingest.ts';
import { PlotTypeRegistry } from '../plottypes/registry.ts';
import type { Role } from './role.ts';

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
): Promise<{ ingestor: Ingestor; registry: PlotTypeRegistry }> {
  const registry = await PlotTypeRegistry.open(hydra.log);
  const dirs = ingestDirs(hydra.config);
  const ingestor = new Ingestor(
    hydra.log,
    hydra.blobs,
    registry,
    dirs,
    { maxBytes: hydra.config.HYDRA_MAX_IMAGE_BYTES, maxPixels: hydra.config.HYDRA_MAX_IMAGE_PIXELS },
    { correlationId: producer, producer },
  );
  return { ingestor, registry };
}

/** Watches the inbox and turns each file into exactly one image.arrived, image.unassigned or image.rejected. */
export const ingestRole: Role = {
  name: 'ingest',
  description: 'watches the inbox directory and ingests every plot image dropped there',
  async start(hydra, say) {
    const dirs = ingestDirs(hydra.config);
    await mkdir(dirs.inbox, { recursive: true });
    const { ingestor, registry } = await openIngestor(hydra);
    const feeder = new Feeder(ingestor, {
      inbox: dirs.inbox,
      graceMs: hydra.config.HYDRA_INGEST_GRACE_MS,
      settleMs: hydra.config.HYDRA_INGEST_SETTLE_MS,
      concurrency: hydra.config.HYDRA_INGEST_CONCURRENCY,
      after: hydra.config.HYDRA_INGEST_AFTER,
      archiveDir: dirs.archive,
      say,
    });
    // Images of a type nobody had configured come back once it is defined.
    let reingesting = reingestUnassigned(ingestor, dirs.unassigned, undefined, say);
    const off = registry.onChange((spec, kind) => {
      if (kind === 'retired') return;
      reingesting = reingesting
        .then(() => reingestUnassigned(ingestor, dirs.unassigned, spec.name, say))
        .then((n) => {
          if (n) say(`ingest: ${n} kept image(s) of ${spec.name} ingested now that it is defined`);
          return n;
        });
    });
    feeder.start();
    say(`ingest: watching ${dirs.inbox}`);
    return {
      stats: () => feeder.stats,
      async stop() {
        off();
        await feeder.stop();
        await reingesting;
        await registry.close();
      },
    };
  },
};
