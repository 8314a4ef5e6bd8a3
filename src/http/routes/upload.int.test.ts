import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { readdir } from 'node:fs/promises';
import { openHttpEnv, type HttpEnv } from '../../../test/support/http.ts';
import { addUser, Browser } from '../../../test/support/accounts.ts';
import { tempDirs } from '../../../test/support/ingest.ts';
import { meta } from '../../../test/support/events.ts';
import { plotTypeSpec, plotTypeInfo, renderPlot } from '../../../fixtures/generator/index.ts';
import type { EventLog } from '../../events/log.ts';
import { PlotTypeCache } from '../../plottypes/cache.ts';
import { Ingestor } from '../../ingest/ingest.ts';

let h: HttpEnv;
let app: FastifyInstance;
let plotTypes: PlotTypeCache;
let log: EventLog;
let dirs: Awaited<ReturnType<typeof tempDirs>>;
let png: Buffer;
const TOKEN = 'bootstrap-token-of-this-test-1';

function multipart(
  fields: Record<string, string> | readonly (readonly [string, string])[],
  file?: { name: string; bytes: Uint8Array },
) {
  const boundary = `----hydra${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Array.isArray(fields) ? fields : Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: image/png\r\n\r\n`,
      ),
    );
    parts.push(Buffer.from(file.bytes));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${TOKEN}` },
  };
}
const post = (m: ReturnType<typeof multipart>, headers: Record<string, string | undefined> = {}) =>
  app.inject({
    method: 'POST',
    url: '/api/images',
    payload: m.payload,
    headers: Object.fromEntries(
      Object.entries({ ...m.headers, ...headers }).filter((e): e is [string, string] => e[1] !== undefined),
    ),
  });

beforeAll(async () => {
  h = await openHttpEnv('upload', {
    config: { HYDRA_API_TOKEN: TOKEN },
    upload: async ({ log: l, blobs }) => {
      log = l;
      await log.append({ type: 'plottype.defined', metadata: meta, data: plotTypeSpec(plotTypeInfo('RF_timing')!) });
      plotTypes = await PlotTypeCache.open(log);
      dirs = await tempDirs('upload');
      const ingestor = new Ingestor(log, blobs, plotTypes, dirs, { maxBytes: 200_000, maxPixels: 4_000_000 }, meta);
      return { ingestor, maxBytes: 200_000 };
    },
  });
  app = h.app;
  png = (await renderPlot({ plotType: 'RF_timing', label: 'Good', seed: 3, width: 400, height: 300 })).png;
});
afterAll(async () => {
  await h.close();
  await plotTypes.close();
});

describe('POST /api/images', () => {
  const fields = { plotType: 'RF_timing', run: '101072', chunk: '7' };

  it('stores an image once; a retried upload is the same arrival, the same bytes in the next chunk a new one', async () => {
    const r1 = await post(multipart(fields, { name: 'RF_timing-01_0007.png', bytes: png }));
    expect(r1.statusCode).toBe(201);
    expect(r1.json()).toMatchObject({ status: 'arrived', plotType: 'RF_timing', duplicate: false });
    const r2 = await post(multipart(fields, { name: 'again.png', bytes: png }));
    expect(r2.json()).toMatchObject({
      status: 'duplicate',
      imageId: r1.json().imageId,
      arrivalId: r1.json().arrivalId,
    });
    const r3 = await post(multipart({ ...fields, chunk: '8' }, { name: 'RF_timing-01_0008.png', bytes: png }));
    expect(r3.json()).toMatchObject({ status: 'arrived', imageId: r1.json().imageId, duplicate: false });
    expect(r3.json().arrivalId).not.toBe(r1.json().arrivalId);
    let arrived = 0;
    for await (const i of log.read()) if (i.ok && i.event.type === 'image.arrived') arrived++;
    expect(arrived).toBe(2);
  });

  it('refuses requests without a valid token', async () => {
    const r = await post(multipart(fields, { name: 'a.png', bytes: png }), { authorization: 'Bearer wrong' });
    expect(r.statusCode).toBe(401);
    expect(r.json().message).toMatch(/API token is not valid/);
    const none = await post(multipart(fields, { name: 'a.png', bytes: png }), { authorization: undefined });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/Bearer/);
  });

  it("takes a client's own token, and refuses it at once when revoked; a Viewer's token may not upload", async () => {
    const made = await app.accounts.createToken({ name: 'RootSpy halld', role: 'labeler' }, 'test');
    const other = await renderPlot({ plotType: 'RF_timing', label: 'Bad', seed: 4, width: 400, height: 300 });
    const ok = await post(multipart(fields, { name: 'b.png', bytes: other.png }), {
      authorization: `Bearer ${made.token}`,
    });
    expect(ok.statusCode).toBe(201);
    await app.accounts.revokeToken(made.tokenId, 'test');
    const after = await post(multipart(fields, { name: 'b.png', bytes: other.png }), {
      authorization: `Bearer ${made.token}`,
    });
    expect(after.statusCode).toBe(401);
    const viewer = await app.accounts.createToken({ name: 'dashboard', role: 'viewer' }, 'test');
    const refused = await post(multipart(fields, { name: 'b.png', bytes: other.png }), {
      authorization: `Bearer ${viewer.token}`,
    });
    expect(refused.statusCode).toBe(403);
  });

  it('takes uploads from a signed-in Labeler with the CSRF token, not without it', async () => {
    await addUser(app, 'uploader', 'labeler');
    const b = await new Browser(app).signIn('uploader');
    const other = await renderPlot({ plotType: 'RF_timing', label: 'Good', seed: 5, width: 400, height: 300 });
    const m = multipart(fields, { name: 'c.png', bytes: other.png });
    const base = { ...m.headers, authorization: undefined, cookie: b.cookieHeader(), origin: b.origin };
    expect((await post(m, base)).statusCode).toBe(403);
    expect((await post(m, { ...base, 'x-csrf-token': b.csrf })).statusCode).toBe(201);
  });

  it('says what is wrong with a bad request', async () => {
    const missing = await post(multipart({ plotType: 'RF_timing', run: 'abc' }, { name: 'a.png', bytes: png }));
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toMatch(/run/);
    expect(missing.json().message).toMatch(/chunk/);
    const nofile = await post(multipart(fields));
    expect(nofile.statusCode).toBe(400);
    expect(nofile.json().error).toBe('no-file');
    const plain = await app.inject({
      method: 'POST',
      url: '/api/images',
      payload: { a: 1 },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(plain.statusCode).toBe(415);
  });

  it('takes numbers only as decimal digits within bounds, and each field once', async () => {
    const send = (entries: readonly (readonly [string, string])[]) =>
      post(multipart(entries, { name: 'RF_timing-01_0007.png', bytes: png }));
    const range = 'a whole number from 0 to 2147483647 (decimal digits)';
    for (const run of ['', '0x10', ' 7 ', '1e3', '-1', '2147483648', '1234567890123']) {
      const r = await send([
        ['plotType', 'RF_timing'],
        ['run', run],
        ['chunk', '7'],
      ]);
      expect(r.statusCode, JSON.stringify(run)).toBe(400);
      expect(r.json().message, JSON.stringify(run)).toMatch(new RegExp(`^run: .*${range.replace(/[()]/g, '\\$&')}`));
    }
    const twice = await send([
      ['plotType', 'RF_timing'],
      ['plotType', 'Other_type'],
      ['run', '1'],
      ['chunk', '7'],
    ]);
    expect(twice.statusCode).toBe(400);
    expect(twice.json().message).toBe('plotType: given 2 times; give one value');
    const unknown = await send([
      ['plotType', 'RF_timing'],
      ['run', '1'],
      ['chunk', '7'],
      ['chunck', '8'],
    ]);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/chunck/);
  });

  it('stops an oversized upload while it streams', async () => {
    const r = await post(multipart(fields, { name: 'big.png', bytes: Buffer.alloc(300_000, 1) }));
    expect(r.statusCode).toBe(413);
  });

  it('rejects and quarantines a corrupt image, with the reason', async () => {
    const r = await post(multipart(fields, { name: '../../etc/evil.png', bytes: png.subarray(0, 1000) }));
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ error: 'truncated' });
    const kept = await readdir(dirs.quarantine, { recursive: true });
    expect(kept.some((f) => f.endsWith('evil.png'))).toBe(true);
    expect(kept.some((f) => f.endsWith('evil.png.reason.txt'))).toBe(true);
    expect(kept.every((f) => !f.includes('..'))).toBe(true);
  });

  it('keeps an image of an unknown plot type', async () => {
    const other = (await renderPlot({ plotType: 'TOF_paddles', label: 'Good', seed: 3, width: 300, height: 200 })).png;
    const r = await post(multipart({ ...fields, plotType: 'TOF_paddles' }, { name: 'x.png', bytes: other }));
    expect(r.statusCode).toBe(202);
    expect(r.json().message).toMatch(/not configured/);
  });
});
