import { randomBytes } from 'node:crypto';
import { Objm } from '@nats-io/obj';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { BlobStore, CHUNK_BYTES, sha256Hex } from './store.ts';

let env: TestEnv;
let blobs: BlobStore;
/** Another process's view: no bytes kept from puts, only what is in the store. */
let elsewhere: BlobStore;

const messages = async () =>
  (await (await jetstreamManager(env.nc)).streams.info(`OBJ_${env.names.blobBucket}`)).state.messages;

beforeAll(async () => {
  env = await openTestEnv('blobs', { migrate: false });
  blobs = await BlobStore.open(env.nc, env.names.blobBucket);
  elsewhere = await BlobStore.open(env.nc, env.names.blobBucket);
});
afterAll(async () => {
  await env?.cleanup();
});

describe('the blob store', () => {
  it('writes a one-chunk blob in the Object Store layout: its own clients read it, digest included', async () => {
    const bytes = randomBytes(20_000);
    const ref = await blobs.put(bytes, 'image/png');
    expect(ref).toEqual({ sha256: sha256Hex(bytes), size: bytes.length, stored: true });
    const os = await new Objm(env.nc).open(env.names.blobBucket);
    const info = await os.info(ref.sha256);
    expect(info).toMatchObject({ name: ref.sha256, size: bytes.length, chunks: 1, description: 'image/png' });
    expect(Buffer.from((await os.getBlob(ref.sha256))!).equals(bytes)).toBe(true);
    // The client's own put of the same bytes computes the same digest.
    await os.putBlob({ name: 'by-the-client' }, bytes);
    expect(info!.digest).toBe((await os.info('by-the-client'))!.digest);
    expect(Buffer.from(await elsewhere.get(ref.sha256)).equals(bytes)).toBe(true);
  });

  it('stores the same bytes once, and leaves no chunk behind when a caller wrongly says they are new', async () => {
    const bytes = randomBytes(5_000);
    expect((await blobs.put(bytes)).stored).toBe(true);
    const before = await messages();
    expect((await blobs.put(bytes)).stored).toBe(false);
    expect((await elsewhere.put(bytes, 'application/octet-stream', { isNew: true })).stored).toBe(false);
    expect(await messages()).toBe(before);
    expect(Buffer.from(await elsewhere.get(sha256Hex(bytes))).equals(bytes)).toBe(true);
  });

  it('writes and reads blobs of several chunks, and an empty one', async () => {
    const big = randomBytes(3 * CHUNK_BYTES + 17);
    const ref = await blobs.put(big, 'application/onnx');
    expect(ref.stored).toBe(true);
    expect((await (await new Objm(env.nc).open(env.names.blobBucket)).info(ref.sha256))?.chunks).toBe(4);
    expect(Buffer.from(await elsewhere.get(ref.sha256)).equals(big)).toBe(true);
    const empty = await blobs.put(new Uint8Array(0));
    expect((await elsewhere.get(empty.sha256)).length).toBe(0);
  });

  it('hands this process the bytes it put without fetching them, and other processes what is stored', async () => {
    const bytes = randomBytes(1_000);
    const { sha256 } = await blobs.put(bytes);
    expect(await blobs.get(sha256)).toBe(bytes);
    expect(await elsewhere.get(sha256)).not.toBe(bytes);
    await expect(elsewhere.get(sha256Hex(randomBytes(8)))).rejects.toMatchObject({ code: 'HYDRA_BLOB_NOT_FOUND' });
  });
});
