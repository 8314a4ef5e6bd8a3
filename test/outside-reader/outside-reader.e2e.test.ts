import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../../src/blobs/store.ts';
import { catalog, decodeEvent, type EventType } from '../../src/events/catalog.ts';
import { EventLog, type AnyNewEvent } from '../../src/events/log.ts';
import type { ReaderGuide } from '../../src/events/readers.ts';
import { Ingestor } from '../../src/ingest/ingest.ts';
import { PlotTypeCache } from '../../src/plottypes/cache.ts';
import { openTestEnv, type TestEnv } from '../support/env.ts';
import { meta, mixedHistory, plotTypeSpec, shaOf } from '../support/events.ts';
import { extremeData } from '../support/extremes.ts';
import { tempDirs } from '../support/ingest.ts';

/**
 * A reader that is not ours: a C program on Debian's libnats reads the stream and a blob with plain
 * JetStream calls, knowing only what `hydra events info --json` prints, and Debian's python3-jsonschema
 * validates every event against what `hydra events schema` exports. Both come from `hydra doctor --install`.
 */
const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = fileURLToPath(new URL('../../bin/hydra.js', import.meta.url));
const PYTHON = '/usr/bin/python3';

let env: TestEnv;
let log: EventLog;
let plotTypes: PlotTypeCache;
let work: string;
let reader: string;
let guide: ReaderGuide;
let image: { bytes: Buffer; imageId: string };

const hydra = (...args: string[]) =>
  run(process.execPath, [bin, ...args], {
    timeout: 120_000,
    env: { ...process.env, NATS_URL: env.config.NATS_URL, HYDRA_NAMESPACE: env.config.HYDRA_NAMESPACE },
  });

/** Noise does not compress: a PNG over the Object Store's 128 KiB chunk, so the blob has several chunks. */
async function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

beforeAll(async () => {
  env = await openTestEnv('outside_reader', { migrate: false });
  log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
  work = await mkdtemp(path.join(os.tmpdir(), 'hydra-outside-reader-'));
  reader = path.join(work, 'reader');
  await run('gcc', ['-O1', '-o', reader, path.join(here, 'reader.c'), '-lnats']);

  // A history written by Hydra: every event type at both edges of its schema, a mixed story, a user whose
  // key needs escaping, and real ingest (blob + image.arrived) of an image of several chunks.
  const types = catalog.map((d) => d.type as EventType);
  const edges = (['max', 'min'] as const).flatMap((mode) =>
    types.map((type) => ({ type, metadata: meta, data: extremeData(type, mode) }) as AnyNewEvent),
  );
  for (const e of edges) await log.append(e);
  await log.appendMany(mixedHistory(60, 7));
  await log.append({
    type: 'user.added',
    metadata: meta,
    data: { user: 'ann.lee', email: 'ann@jlab.org', by: 'root' },
  });
  await log.append({ type: 'plottype.defined', metadata: meta, data: plotTypeSpec('CDC_noise') });
  plotTypes = await PlotTypeCache.open(log);
  const blobs = await BlobStore.open(env.nc, log.names.blobBucket);
  const dirs = await tempDirs('outside-reader');
  const ingestor = new Ingestor(log, blobs, plotTypes, dirs, { maxBytes: 5_000_000, maxPixels: 40_000_000 }, meta);
  const bytes = await noisePng(400, 300);
  const outcome = await ingestor.ingest(bytes, {
    source: 'CDC_noise-01_0001.png',
    fileName: 'CDC_noise-01_0001.png',
    run: 7,
  });
  expect(outcome.kind).toBe('arrived');
  image = { bytes, imageId: createHash('sha256').update(bytes).digest('hex') };
  await ingestor.ingest(Buffer.from('not a png'), { source: 'x-01_0001.png', fileName: 'x-01_0001.png', run: 7 });

  guide = JSON.parse((await hydra('events', 'info', '--json')).stdout) as ReaderGuide;
  await hydra('events', 'schema', '--out', path.join(work, 'schemas'));
});
afterAll(async () => {
  await plotTypes?.close();
  await env?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

async function readAll(): Promise<{ seq: number; subject: string; event: { type: string; data: unknown } }[]> {
  const { stdout } = await run(reader, ['events', env.config.NATS_URL, guide.stream.name, guide.stream.subjects], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

async function validate(lines: readonly unknown[]) {
  const input = path.join(work, 'events.jsonl');
  await writeFile(input, lines.map((l) => JSON.stringify(l)).join('\n'));
  const { stdout } = await run(PYTHON, [
    path.join(here, 'validate.py'),
    path.join(work, 'schemas'),
    guide.namespace,
    input,
  ]);
  return JSON.parse(stdout) as { validated: number; types: string[]; failures: unknown[] };
}

describe('a reader that is not ours (C on libnats, Python jsonschema)', () => {
  it('reads every event in stream order, and each validates against the exported schema of its version', async () => {
    const lines = await readAll();
    const info = await (await jetstreamManager(env.nc)).streams.info(guide.stream.name);
    expect(lines.length).toBe(info.state.messages);
    expect(lines.at(-1)!.seq).toBe(info.state.last_seq);
    const result = await validate(lines);
    expect(result.failures).toEqual([]);
    expect(result.validated).toBe(lines.length);
    const expected = catalog.map((d) => `${d.type}.v${d.version}`);
    expect(result.types).toEqual(expect.arrayContaining(expected));
    // The escaped key of a user name with a dot, as the guide describes it.
    expect(lines.map((l) => l.subject)).toContain(`${guide.namespace}.user.added.~YW5uLmxlZQ`);
  });

  it('reads an image blob named by its image.arrived, chunk by chunk, byte for byte', async () => {
    const lines = await readAll();
    const arrivedEvent = lines.find(
      (l) => l.event.type === 'image.arrived' && (l.event.data as { imageId: string }).imageId === image.imageId,
    );
    expect(arrivedEvent).toBeDefined();
    const out = path.join(work, 'blob.png');
    const { stderr } = await run(reader, ['blob', env.config.NATS_URL, guide.blobs.bucket, image.imageId, out]);
    expect(stderr).toMatch(/in [2-9] chunks/);
    expect((await readFile(out)).equals(image.bytes)).toBe(true);
  });

  it('keeps reading when a later Hydra adds an optional field within a version (the compatibility policy)', async () => {
    const imageId = shaOf('future');
    const future = {
      id: `image.sampled:${imageId}`,
      type: 'image.sampled',
      version: 1,
      time: '2026-12-03T12:00:00.000Z',
      key: imageId,
      data: { imageId, plotType: 'CDC_noise', reason: 'unbiased', priority: 3 },
      metadata: { correlationId: 'future', producer: 'hydra-next', host: 'node-7' },
    };
    const subject = log.names.subject('image.sampled', imageId);
    const ack = await jetstream(env.nc).publish(subject, JSON.stringify(future));
    const lines = await readAll();
    const last = lines.at(-1)!;
    expect(last.seq).toBe(ack.seq);
    expect((await validate([last])).failures).toEqual([]);
    // Hydra's own readers take it too: the fields it does not know are dropped, not refused.
    const decoded = decodeEvent(JSON.stringify(last.event), last.seq, last.subject);
    expect(decoded.type).toBe('image.sampled');
    expect(decoded.data).toEqual({ imageId, plotType: 'CDC_noise', reason: 'unbiased' });
  });
});
