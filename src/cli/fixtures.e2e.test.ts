import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../bin/hydra.js', import.meta.url));
const hydra = (...args: string[]) => run(process.execPath, [bin, ...args], { timeout: 60_000 });
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('hydra fixtures / hydra simulate', () => {
  it('writes a labelled dataset with its manifest', async () => {
    const out = await mkdtemp(join(tmpdir(), 'hydra-cli-fixtures-'));
    dirs.push(out);
    const { stdout } = await hydra(
      'fixtures',
      '--out',
      out,
      '--per-class',
      '2',
      '--seed',
      '3',
      '--size',
      '160x120',
      '--severity',
      'subtle',
      '--plot-types',
      'RF_timing,BCAL_occupancy',
    );
    expect(stdout).toMatch(/wrote 16 images/);
    const csv = (await readFile(join(out, 'manifest.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toMatch(/^file,plot_type,label,/);
    expect(csv).toHaveLength(17);
    expect((await readdir(join(out, 'BCAL_occupancy'))).sort()).toEqual(['Bad', 'Cosmic', 'Good', 'LED', 'NoData']);
  });

  it('simulates a run into an inbox, with an injected failure', async () => {
    const inbox = await mkdtemp(join(tmpdir(), 'hydra-cli-simulate-'));
    dirs.push(inbox);
    const { stdout } = await hydra(
      'simulate',
      '--inbox',
      inbox,
      '--run',
      '71500',
      '--chunks',
      '3',
      '--interval',
      '0',
      '--size',
      '160x120',
      '--plot-types',
      'FCAL_occupancy',
      '--fail',
      'FCAL_occupancy:hot_channel@1',
    );
    expect(stdout).toMatch(/run-071500\/FCAL_occupancy-01_0001\.png {2}Bad \(hot_channel\)/);
    expect(stdout).toMatch(/wrote 3 chunks, 3 images/);
    expect((await readdir(join(inbox, 'run-071500'))).sort()).toEqual([
      'FCAL_occupancy-01_0000.png',
      'FCAL_occupancy-01_0001.png',
      'FCAL_occupancy-01_0002.png',
      'run.json',
    ]);
  });

  it('refuses bad options with a message and a non-zero exit', async () => {
    await expect(
      hydra('simulate', '--inbox', '/tmp/x', '--run', '1', '--chunks', '1', '--fail', 'FCAL_occupancy:dead_board'),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/expected PLOT:MODE@CHUNK/),
    });
    await expect(hydra('fixtures', '--out', '/tmp/x', '--size', 'big')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/WIDTHxHEIGHT/),
    });
  });
});
