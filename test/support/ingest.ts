import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { renderPlot } from '../../fixtures/generator/index.ts';
import type { BlobStore } from '../../src/blobs/store.ts';
import type { EventLog } from '../../src/events/log.ts';
import { Feeder, type FeederOptions } from '../../src/ingest/feeder.ts';
import { Ingestor, type IngestLimits } from '../../src/ingest/ingest.ts';
import type { PlotTypeCache } from '../../src/plottypes/cache.ts';
import { meta } from './events.ts';

export async function tempDirs(label: string) {
  const root = await mkdtemp(path.join(os.tmpdir(), `hydra-${label}-`));
  const dirs = {
    root,
    inbox: path.join(root, 'inbox'),
    quarantine: path.join(root, 'quarantine'),
    unassigned: path.join(root, 'unassigned'),
    archive: path.join(root, 'archive'),
  };
  await mkdir(dirs.inbox, { recursive: true });
  return dirs;
}

/**
 * An Ingestor and a started Feeder on a test's inbox, with the settings the ingest tests share (no settle time,
 * a short grace, deleted after ingest); `feeder` and `limits` override them.
 */
export function startTestFeeder(
  log: EventLog,
  blobs: BlobStore,
  plotTypes: PlotTypeCache,
  dirs: Awaited<ReturnType<typeof tempDirs>>,
  feeder: Partial<FeederOptions> = {},
  limits: Partial<IngestLimits> = {},
): { ingestor: Ingestor; feeder: Feeder } {
  const ingestor = new Ingestor(
    log,
    blobs,
    plotTypes,
    dirs,
    { maxBytes: 5_000_000, maxPixels: 40_000_000, ...limits },
    meta,
  );
  const started = new Feeder(ingestor, {
    inbox: dirs.inbox,
    graceMs: 400,
    settleMs: 0,
    concurrency: 4,
    after: 'delete',
    archiveDir: dirs.archive,
    ...feeder,
  });
  started.start();
  return { ingestor, feeder: started };
}

/** Files that other programs really leave in an inbox, each with the rejection it must get. */
export async function badCorpus(dir: string): Promise<{ file: string; code: string }[]> {
  await mkdir(dir, { recursive: true });
  const good = (await renderPlot({ plotType: 'CDC_occupancy', label: 'Good', seed: 99, width: 200, height: 150 })).png;
  const bomb = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#000000' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  const items: [string, Uint8Array, string][] = [
    ['CDC_occupancy-01_0100.png', Buffer.alloc(0), 'empty'],
    ['CDC_occupancy-01_0101.png', good.subarray(0, Math.floor(good.length / 2)), 'truncated'],
    ['FCAL_occupancy-01_0102.png', await sharp(good).jpeg().toBuffer(), 'not-image'],
    ['random-01_0103.png', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)), 'not-image'],
    ['CDC_occupancy-01_0104.png', bomb, 'too-large'],
    ['CDC occupancy-01_0105.png', good, 'bad-name'],
    ['CDC_ü-01_0106.png', good, 'bad-name'],
    ['%2e%2e%2f..%2fpasswd-01_0107.png', good, 'bad-name'],
    ['notes.txt', Buffer.from('shift notes'), 'not-image'],
  ];
  for (const [name, bytes] of items) await writeFile(path.join(dir, name), bytes);
  return items.map(([name, , code]) => ({ file: name, code }));
}
