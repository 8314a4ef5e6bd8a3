import { mkdir } from 'node:fs/promises';
import { Feeder } from '../ingest/feeder.ts';
import { ingestDirs, openIngestor } from '../ingest/open.ts';
import { reingestUnassigned } from '../ingest/reingest.ts';
import type { Role } from './role.ts';

/** Watches the inbox and turns each file into exactly one image.arrived, image.unassigned or image.rejected. */
export const ingestRole: Role = {
  name: 'ingest',
  description: 'watches the inbox directory and ingests every plot image dropped there',
  async start(hydra, say) {
    const dirs = ingestDirs(hydra.config);
    await mkdir(dirs.inbox, { recursive: true });
    const { ingestor, plotTypes } = await openIngestor(hydra);
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
    const off = plotTypes.onChange((spec, kind) => {
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
        await plotTypes.close();
      },
    };
  },
};
