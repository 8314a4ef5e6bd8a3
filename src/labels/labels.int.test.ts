import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset, plotTypeSpecs, toCsv, type Manifest } from '../../fixtures/generator/index.ts';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { meta } from '../../test/support/events.ts';
import { openHydra, type Hydra } from '../context.ts';
import { readMatching } from '../events/query.ts';
import { waitForCheckpoints } from '../projections/checkpoints.ts';
import { labelsProjection } from '../projections/labels/projection.ts';
import { ProjectionRunner } from '../projections/index.ts';
import { erase } from '../projections/runtime/projection.ts';
import type { Ingestor } from '../ingest/ingest.ts';
import type { PlotTypeCache } from '../plottypes/cache.ts';
import { openIngestor } from '../ingest/open.ts';
import { importLabels, LabelImportError } from './import.ts';
import { assignLabel, retractLabel } from './label.ts';

let env: TestEnv;
let hydra: Hydra;
let ingestor: Ingestor;
let plotTypes: PlotTypeCache;
let runner: ProjectionRunner;
let dir: string;
let manifest: Manifest;
const PT = 'RF_timing';
const wait = { timeoutMs: 20_000 };

beforeAll(async () => {
  env = await openTestEnv('labels');
  dir = await mkdtemp(path.join(tmpdir(), 'hydra-labels-'));
  hydra = await openHydra({ ...env.config, HYDRA_VAR_DIR: dir }, { producer: 'test' });
  await hydra.log.appendMany(
    plotTypeSpecs()
      .filter((s) => s.name === PT || s.name === 'CDC_occupancy')
      .map((s) => ({ type: 'plottype.defined', metadata: meta, data: s }) as const),
  );
  ({ ingestor, plotTypes } = await openIngestor(hydra, 'test'));
  manifest = await generateDataset({
    outDir: dir,
    perClass: 4,
    seed: 3,
    width: 160,
    height: 120,
    plotTypes: [PT, 'CDC_occupancy'],
    labels: ['Good', 'Bad'],
  });
  runner = new ProjectionRunner(hydra.database, hydra.log, erase(labelsProjection));
  await runner.start();
});

afterAll(async () => {
  await runner?.stop();
  await plotTypes?.close();
  await hydra?.close();
  await env?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const deps = () => ({ log: hydra.log, plotTypes, ingestor, db: hydra.database.db });
const opts = { user: 'alice', metadata: meta };

describe('label import', () => {
  it('checks the whole file first: one bad row (label, unreadable image) and nothing is stored', async () => {
    const rows = manifest.images.filter((e) => e.plotType === PT);
    await writeFile(
      path.join(dir, 'bad.csv'),
      toCsv([
        ...rows,
        { ...rows[0]!, file: 'missing.png' },
        { ...rows[1]!, label: 'Cosmic' },
        { ...rows[2]!, label: 'Bad' },
      ]),
    );
    const before = (await hydra.log.streamInfo()).state.last_seq;
    const err = await importLabels(deps(), path.join(dir, 'bad.csv'), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelImportError);
    expect((err as LabelImportError).problems.map((p) => p.line)).toEqual([10, 11, 12]);
    expect((err as LabelImportError).message).toContain(
      `line 11: label "Cosmic" is not one of ${PT}'s labels: Good, Bad, NoData`,
    );
    expect((err as LabelImportError).message).toContain(
      `line 12: ${rows[2]!.file} is the same image as ${rows[2]!.file} on line 4, labelled ${PT}/Bad here but ${PT}/Good there`,
    );
    expect((err as LabelImportError).message).toContain('line 10: missing.png: cannot read it (ENOENT)');
    expect((await hydra.log.streamInfo()).state.last_seq).toBe(before);
  });

  it('reads only regular files inside the CSV folder (or --root), naming each refused row', async () => {
    const rows = manifest.images.filter((e) => e.plotType === PT);
    execFileSync('mkfifo', [path.join(dir, 'pipe.png')]);
    await symlink('/etc/passwd', path.join(dir, 'passwd-link.png'));
    await writeFile(
      path.join(dir, 'escape.csv'),
      toCsv([
        { ...rows[0]!, file: '/etc/passwd' },
        { ...rows[0]!, file: '../../../../etc/passwd' },
        { ...rows[0]!, file: 'pipe.png' },
        { ...rows[0]!, file: 'passwd-link.png' },
      ]),
    );
    const before = (await hydra.log.streamInfo()).state.last_seq;
    const err = await importLabels(deps(), path.join(dir, 'escape.csv'), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelImportError);
    const m = (err as LabelImportError).message;
    expect(m).toContain(`line 2: /etc/passwd: an absolute path; paths are relative to ${dir}`);
    expect(m).toContain(`line 3: ../../../../etc/passwd: outside ${dir}; paths must stay inside it`);
    expect(m).toContain('line 4: pipe.png: a FIFO (named pipe), not a regular file; not read');
    expect(m).toContain(`line 5: passwd-link.png: leads outside ${dir} through a link`);
    expect((await hydra.log.streamInfo()).state.last_seq).toBe(before);
    // With a root above the CSV, its rows may reach into sibling folders, and no further.
    const sub = path.join(dir, 'sub');
    await mkdir(sub, { recursive: true });
    await writeFile(path.join(sub, 'up.csv'), toCsv([{ ...rows[0]!, file: '../../x.png' }]));
    const rooted = await importLabels(deps(), path.join(sub, 'up.csv'), { ...opts, root: dir }).catch((e) => e);
    expect((rooted as Error).message).toContain(`line 2: ../../x.png: outside ${dir}`);
  });

  it('ingests each image as an arrival and labels it; importing again stores nothing new', async () => {
    await writeFile(path.join(dir, 'labels.csv'), toCsv(manifest.images));
    const progress: string[] = [];
    const s = await importLabels(deps(), path.join(dir, 'labels.csv'), {
      ...opts,
      onProgress: (p) => progress.push(`${p.phase}:${p.done}/${p.total}`),
    });
    expect(s).toMatchObject({ rows: 16, images: 16, imagesNew: 16, labelsAppended: 16, labelsUnchanged: 0 });
    expect(s.ignoredColumns).toContain('severity');
    expect(progress).toContain('labelling:16/16');
    const arrivals = await readMatching(hydra.log, env.names.filter('image.arrived'));
    expect(arrivals.map((e) => e.key).sort()).toEqual(manifest.images.map((e) => e.sha256).sort());
    const first = arrivals.find((e) => e.key === manifest.images[0]!.sha256)!;
    expect(first.data).toMatchObject({
      plotType: manifest.images[0]!.plotType,
      run: manifest.images[0]!.run,
      chunk: manifest.images[0]!.chunk,
      source: manifest.images[0]!.file,
    });
    expect(await hydra.blobs.has(manifest.images[0]!.sha256)).toBe(true);

    const again = await importLabels(deps(), path.join(dir, 'labels.csv'), opts); // within the dedup window
    expect(again).toMatchObject({ imagesNew: 0, labelsAppended: 0, labelsUnchanged: 16 });
    expect(await waitForCheckpoints(hydra.database.db, new Map([['labels', arrivals.at(-1)!.seq]]), wait)).toEqual([]);
    // Another user's labels for the same images do change them (the latest label wins).
    const bob = await importLabels(deps(), path.join(dir, 'labels.csv'), { ...opts, user: 'bob' });
    expect(bob).toMatchObject({ labelsAppended: 16 });
    const thirdTime = await importLabels(deps(), path.join(dir, 'labels.csv'), { ...opts, user: 'bob' });
    expect(thirdTime.labelsAppended).toBe(0);
    expect(await readMatching(hydra.log, env.names.filter('label.assigned'))).toHaveLength(32);
  });
});

describe('assignLabel / retractLabel', () => {
  it('label a stored image of its own plot type only, with one of its labels', async () => {
    const img = manifest.images.find((e) => e.plotType === PT && e.label === 'Good')!;
    const cmd = { imageId: img.sha256, plotType: PT, label: 'Bad', user: 'carol', comment: 'timing peak shifted' };
    await expect(assignLabel(deps(), { ...cmd, imageId: 'f'.repeat(64) }, { metadata: meta })).rejects.toMatchObject({
      code: 'HYDRA_LABEL_UNKNOWN_IMAGE',
    });
    await expect(assignLabel(deps(), { ...cmd, plotType: 'CDC_occupancy' }, { metadata: meta })).rejects.toMatchObject({
      code: 'HYDRA_LABEL_WRONG_PLOT_TYPE',
    });
    await expect(assignLabel(deps(), { ...cmd, label: 'Cosmic' }, { metadata: meta })).rejects.toMatchObject({
      code: 'HYDRA_LABEL_NOT_ALLOWED',
      message: expect.stringContaining('Good, Bad, NoData'),
    });
    const a = await assignLabel(deps(), cmd, { metadata: meta, id: 'click-1' });
    expect((await assignLabel(deps(), cmd, { metadata: meta, id: 'click-1' })).duplicate).toBe(true); // a retried click
    const r = await retractLabel(deps(), cmd, { metadata: meta });
    expect(r.seq).toBeGreaterThan(a.seq);
    expect(await waitForCheckpoints(hydra.database.db, new Map([['labels', r.seq]]), wait)).toEqual([]);
    const [rows] = await hydra.database.pool.query('SELECT label FROM labels WHERE image_id = ?', [img.sha256]);
    expect(rows).toEqual([]); // the current label was retracted
  });
});
