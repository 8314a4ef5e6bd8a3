import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { fact, openHttpEnv, type HttpEnv, eventsAfter, lastSeq } from '../../test/support/http.ts';
import { addUser, Browser, signedIn, TEST_PASSWORD } from '../../test/support/accounts.ts';
import { meta } from '../../test/support/events.ts';
import { tempDirs } from '../../test/support/ingest.ts';
import { trainingRun, valPredictionsJson } from '../../test/support/trainings.ts';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import { PlotTypeCache } from '../plottypes/cache.ts';
import { plotTypeSpecSchema } from '../events/plottype.ts';
import { trainAndActivate } from '../../test/support/model.ts';
import { Ingestor } from '../ingest/ingest.ts';
import type { RouteInfo } from './plugins/auth.ts';

const SESSION_SECRET = 'session-secret-of-the-security-test-0123456789';
const BOOTSTRAP = 'bootstrap-token-of-the-security-test';
const logs: string[] = [];
let h: HttpEnv;
let plotTypes: PlotTypeCache;
let roles: Record<'admin' | 'expert' | 'labeler' | 'viewer', Browser>;
let png: Buffer;
const secrets = new Set<string>([SESSION_SECRET, BOOTSTRAP, TEST_PASSWORD]);

beforeAll(async () => {
  h = await openHttpEnv('security', {
    config: { HYDRA_SESSION_SECRET: SESSION_SECRET, HYDRA_API_TOKEN: BOOTSTRAP },
    logger: {
      level: 'info',
      stream: new Writable({
        write(chunk, _enc, done) {
          logs.push(String(chunk));
          done();
        },
      }),
    },
    upload: async ({ log, blobs }) => {
      await log.append({ type: 'plottype.defined', metadata: meta, data: plotTypeSpec(plotTypeInfo('RF_timing')!) });
      plotTypes = await PlotTypeCache.open(log);
      const ingestor = new Ingestor(
        log,
        blobs,
        plotTypes,
        await tempDirs('security'),
        { maxBytes: 200_000, maxPixels: 4_000_000 },
        meta,
      );
      return { ingestor, maxBytes: 200_000 };
    },
  });
  png = (await renderPlot({ plotType: 'RF_timing', label: 'Good', seed: 9, width: 400, height: 300 })).png;
  await h.append([fact.plotType('FCAL_ring', 'FCAL')]);
  roles = {
    admin: await signedIn(h.app, 'root-admin', 'admin'),
    expert: await signedIn(h.app, 'fcal-expert', [{ role: 'expert', detectors: ['FCAL'] }]),
    labeler: await signedIn(h.app, 'crew-chief', 'labeler'),
    viewer: await signedIn(h.app, 'watcher', 'viewer'),
  };
  // Cookie values, and the session id and CSRF secret inside them (`<value>.<signature>`).
  for (const b of Object.values(roles))
    for (const c of b.cookieHeader().split('; ')) {
      const v = decodeURIComponent(c.slice(c.indexOf('=') + 1));
      secrets.add(v).add(v.slice(0, v.lastIndexOf('.')));
    }
}, 60_000);
afterAll(async () => {
  await h?.close();
  await plotTypes?.close();
});

const raise = (alarmId: string) =>
  h.append([
    {
      type: 'alarm.raised',
      metadata: meta,
      data: {
        alarmId,
        plotType: 'FCAL_ring',
        detector: 'FCAL',
        run: 7,
        label: 'Bad',
        confidence: 0.9,
        firstImageId: 'a'.repeat(64),
        imageIds: ['a'.repeat(64)],
        raisedAt: new Date().toISOString(),
      },
    },
  ]);

function multipart(fields: Record<string, string>) {
  const boundary = `----hydra${Math.random().toString(16).slice(2)}`;
  const parts = Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="RF_timing-01_0003.png"\r\nContent-Type: image/png\r\n\r\n`;
  return {
    payload: Buffer.concat([Buffer.from(parts.join('') + head), png, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

/** The image the Labeler's success cases label (apply), then unlabel (undo, of that apply). */
const LABELLED = 'b'.repeat(64);
const APPLIED = '3d6f4e1a-5b2c-4d8e-9f0a-1b2c3d4e5f60';

/** FCAL models for the Library's cases: the first is signed off and activated over the second, then rolled back. */
const fcal = [1, 2, 3].map((n) => trainingRun('FCAL_ring', `FCAL_ring-sec-${n}`));
/** The training report's cases: a run whose validation images include the Labeler's image. */
const REPORT = 'FCAL_ring-sec-report';

const mutating = () => h.app.routeTable.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
const fill = (url: string, params: Record<string, string> = {}) =>
  url.replace(/:([A-Za-z]+)/g, (_, p: string) => params[p] ?? 'x');

/**
 * How each mutating route succeeds: who may, with what, and what the event must say. A route added without a case
 * here fails the first test, so every new page action is checked like the others.
 */
interface Case {
  readonly role: keyof typeof roles;
  readonly params?: Record<string, string>;
  readonly form?: Record<string, string>;
  readonly before?: () => Promise<Record<string, string> | undefined>;
  readonly upload?: boolean;
  readonly expectType: string;
  /** Posts it itself (a multipart form with a file) instead of the plain form post. */
  readonly post?: (who: Browser) => Promise<{ statusCode: number; body: string }>;
  /** The event's data is a whole configuration (a plot type's, as in a plot-types file): the user is in its metadata. */
  readonly userInMetadataOnly?: boolean;
}
const cases: Record<string, Case> = {
  'POST /news': { role: 'expert', form: { text: 'Beam tuning until 14:00' }, expectType: 'news.posted' },
  'POST /alarms/:alarmId/ack': {
    role: 'labeler',
    before: async () => {
      await raise('sec-ack');
      return { alarmId: 'sec-ack' };
    },
    form: { comment: 'restarted the run' },
    expectType: 'alarm.acknowledged',
  },
  'POST /api/images': { role: 'labeler', upload: true, expectType: 'image.arrived' },
  'POST /admin/users': { role: 'admin', form: { user: 'new-person', role: 'viewer' }, expectType: 'user.added' },
  'POST /admin/users/:name/grant': {
    role: 'admin',
    params: { name: 'watcher' },
    form: { role: 'labeler' },
    expectType: 'user.role-granted',
  },
  'POST /admin/users/:name/revoke': {
    role: 'admin',
    params: { name: 'watcher' },
    form: { role: 'labeler' },
    expectType: 'user.role-revoked',
  },
  'POST /admin/users/:name/disable': { role: 'admin', params: { name: 'new-person' }, expectType: 'user.disabled' },
  'POST /admin/users/:name/enable': { role: 'admin', params: { name: 'new-person' }, expectType: 'user.enabled' },
  'POST /admin/users/:name/password': {
    role: 'admin',
    params: { name: 'new-person' },
    form: { password: 'another long password' },
    expectType: 'user.password-set',
  },
  'POST /admin/tokens': { role: 'admin', form: { name: 'Prometheus', role: 'viewer' }, expectType: 'token.created' },
  'POST /admin/tokens/:tokenId/revoke': {
    role: 'admin',
    before: async () => ({
      tokenId: (await h.app.accounts.createToken({ name: 'old', role: 'viewer' }, 'test')).tokenId,
    }),
    expectType: 'token.revoked',
  },
  'POST /admin/settings': { role: 'admin', form: { anonymousViewing: 'on' }, expectType: 'site.settings-changed' },
  'POST /labeler/apply': {
    role: 'labeler',
    before: async () => {
      await h.append([fact.arrived(LABELLED, 'FCAL_ring', 7, 1, new Date().toISOString())]);
      return undefined;
    },
    form: { plot: 'FCAL_ring', label: 'Good', images: LABELLED, batch: APPLIED },
    expectType: 'label.assigned',
  },
  'POST /labeler/unsure': {
    role: 'labeler',
    form: { plot: 'FCAL_ring', images: LABELLED, batch: APPLIED, unsure: 'on', view: '?plot=FCAL_ring' },
    expectType: 'label.unsure-flagged',
  },
  'POST /labeler/comment': {
    role: 'labeler',
    form: { plot: 'FCAL_ring', images: LABELLED, batch: APPLIED, comment: 'hot channel?', view: '?plot=FCAL_ring' },
    expectType: 'label.commented',
  },
  'POST /labeler/undo': {
    role: 'labeler',
    form: { batch: APPLIED, view: '?plot=FCAL_ring' },
    expectType: 'label.retracted',
  },
  'POST /labeler/retract': {
    role: 'labeler',
    // Someone's label on the image (the undo before took the crew chief's own back).
    before: async () => {
      await h.append([
        {
          type: 'label.assigned',
          metadata: meta,
          data: { imageId: LABELLED, plotType: 'FCAL_ring', label: 'Bad', user: 'importer' },
        },
      ]);
      return undefined;
    },
    form: { plot: 'FCAL_ring', images: LABELLED, batch: APPLIED, view: '?plot=FCAL_ring' },
    expectType: 'label.retracted',
  },
  'POST /admin/plot-types': {
    role: 'expert',
    form: {
      intent: 'define',
      name: 'FCAL_timing',
      detector: 'FCAL',
      pattern: '^(?<plot>[A-Za-z0-9_]+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.png$',
      'labels.0.name': 'Good',
      'labels.0.colour': '#2e9e44',
      'labels.1.name': 'Bad',
      'labels.1.colour': '#d62728',
      'input.width': '64',
      'input.height': '48',
      'input.channels': '1',
      'masks.0.x': '0',
      'masks.0.y': '0',
      'masks.0.width': '10',
      'masks.0.height': '10',
    },
    expectType: 'plottype.defined',
    userInMetadataOnly: true,
  },
  'POST /library/models/import': {
    role: 'expert',
    post: async (who) => {
      // A real ONNX file (a tiny trained model), imported as a model trained elsewhere.
      // Generated FCAL plots at FCAL_ring's input size (the generator draws the plot types it knows).
      const spec = plotTypeSpecSchema.parse({
        ...plotTypeSpec(plotTypeInfo('FCAL_occupancy')!),
        input: { width: 160, height: 120, channels: 3 },
      });
      const seq = await lastSeq(h.log);
      await trainAndActivate(h.log, h.blobs, spec, { mode: 'dead_crate', perClass: 8, epochs: 1, activate: false });
      const done = (await eventsAfter(h.log, seq)).find((e) => e.type === 'training.completed');
      const bytes = await h.blobs.get((done!.data as { onnx: string }).onnx);
      return who.postFile(
        '/library/models/import',
        { plot: 'FCAL_ring', labels: 'Good, Bad' },
        { name: 'm.onnx', bytes },
      );
    },
    expectType: 'model.imported',
  },
  'POST /library/train': {
    role: 'expert',
    form: { plot: 'FCAL_ring', epochs: '3' },
    expectType: 'training.requested',
  },
  'POST /library/models/:modelId/signoff': {
    role: 'expert',
    before: async () => {
      const by = { ...meta, user: 'test' };
      const [m1, m2] = fcal.map((r) => r.modelId) as [string, string];
      await h.append([
        ...fcal.flatMap((r) => r.events),
        { type: 'model.signed-off', metadata: by, data: { modelId: m2, plotType: 'FCAL_ring', user: 'test' } },
        { type: 'model.activated', metadata: by, data: { modelId: m2, plotType: 'FCAL_ring', user: 'test' } },
      ]);
      return { modelId: m1 };
    },
    form: { comment: 'fine' },
    expectType: 'model.signed-off',
  },
  'POST /library/models/:modelId/activate': {
    role: 'expert',
    params: { modelId: fcal[0]!.modelId },
    expectType: 'model.activated',
  },
  'POST /library/models/:modelId/retire': {
    role: 'expert',
    params: { modelId: fcal[2]!.modelId },
    form: { reason: 'superseded' },
    expectType: 'model.retired',
  },
  'POST /library/rollback': { role: 'expert', form: { plot: 'FCAL_ring' }, expectType: 'model.activated' },
  'POST /library/models/:modelId/backfill': {
    role: 'expert',
    params: { modelId: fcal[0]!.modelId },
    form: { runFrom: '1', runTo: '10' },
    expectType: 'backfill.requested',
  },
  'POST /library/models/:modelId/thresholds': {
    role: 'expert',
    params: { modelId: fcal[1]!.modelId },
    form: { label: 'Bad', threshold: '0.9' },
    expectType: 'model.thresholds-changed',
  },
  'POST /training/:trainingId/relabel': {
    role: 'labeler',
    before: async () => {
      const samples = [
        { imageId: LABELLED, label: 'Good', probabilities: [0.2, 0.8] },
        { imageId: 'c'.repeat(64), label: 'Bad', probabilities: [0.1, 0.9] },
      ];
      const preds = await h.blobs.put(Buffer.from(valPredictionsJson(['Good', 'Bad'], samples)), 'application/json');
      await h.append(trainingRun('FCAL_ring', REPORT, { samples, valPredictions: preds.sha256 }).events);
      return { trainingId: REPORT };
    },
    form: { image: LABELLED, label: 'NoData', batch: '5e0c2a1b-7d3f-4a6b-8c9d-0e1f2a3b4c5d' },
    expectType: 'label.assigned',
  },
  'POST /training/:trainingId/signoff': {
    role: 'expert',
    params: { trainingId: REPORT },
    form: { comment: 'fine' },
    expectType: 'model.signed-off',
  },
  'POST /training/:trainingId/cancel': {
    role: 'expert',
    before: async () => {
      const trainingId = 'FCAL_ring-sec-queued';
      await h.append([
        {
          type: 'training.requested',
          metadata: { ...meta, user: 'test' },
          data: { trainingId, plotType: 'FCAL_ring', parameters: {}, reason: '', requester: 'test' },
        },
      ]);
      return { trainingId };
    },
    form: { reason: 'not needed' },
    expectType: 'training.failed',
  },
  'POST /training/:trainingId/reject': {
    role: 'expert',
    params: { trainingId: REPORT },
    form: { comment: 'no after all' },
    expectType: 'model.retired',
  },
};

describe('every route from the router', () => {
  it('declares who may reach it; nothing that changes anything is open to anonymous users or Viewers', () => {
    const table: RouteInfo[] = h.app.routeTable;
    expect(table.length).toBeGreaterThan(20);
    for (const r of mutating()) {
      const key = `${r.method} ${r.url}`;
      if (r.access === 'public') {
        expect(['POST /signin', 'POST /signout'], key).toContain(key);
        continue;
      }
      expect(['labeler', 'expert', 'admin'], key).toContain(r.access);
      expect(cases[key], `no success case for ${key}`).toBeDefined();
    }
  });

  it('answers 401 to anonymous users and 403 to Viewers on every mutating route, and changes nothing', async () => {
    const before = await lastSeq(h.log);
    const anonymous = new Browser(h.app);
    await anonymous.get('/signin');
    for (const r of mutating().filter((x) => x.access !== 'public')) {
      const url = fill(r.url, { alarmId: 'sec-none', tokenId: 'nope', name: 'watcher' });
      const anon = await anonymous.post(url, { text: 'x', role: 'admin', user: 'x', password: 'xxxxxxxxxxxx' });
      expect(anon.statusCode, `anonymous ${r.method} ${r.url}`).toBe(401);
      const viewer = await roles.viewer.post(url, { text: 'x', role: 'admin', user: 'x', password: 'xxxxxxxxxxxx' });
      expect(viewer.statusCode, `viewer ${r.method} ${r.url}`).toBe(403);
    }
    expect(await eventsAfter(h.log, before)).toEqual([]);
  });

  it('lets the right role do each, and the event names that user', async () => {
    for (const r of mutating().filter((x) => x.access !== 'public')) {
      const key = `${r.method} ${r.url}`;
      const c = cases[key]!;
      const params = { ...c.params, ...(await c.before?.()) };
      const who = roles[c.role];
      const seq = await lastSeq(h.log);
      let res;
      if (c.upload) {
        const made = await h.app.accounts.createToken({ name: 'uploader', role: 'labeler' }, 'test');
        const m = multipart({ plotType: 'RF_timing', run: '7', chunk: '3' });
        res = await h.app.inject({
          method: 'POST',
          url: r.url,
          payload: m.payload,
          headers: { 'content-type': m.type, authorization: `Bearer ${made.token}` },
        });
        secrets.add(made.token);
        const events = (await eventsAfter(h.log, seq)).filter((e) => e.type === c.expectType);
        expect(res.statusCode, key).toBeLessThan(300);
        expect(
          events.map((e) => e.metadata.user),
          key,
        ).toEqual([`token:${made.tokenId}`]);
        continue;
      }
      res = c.post ? await c.post(who) : await who.post(fill(r.url, params), c.form ?? {});
      expect(res.statusCode, `${key}: ${res.body.slice(0, 200)}`).toBeLessThan(400);
      const events = (await eventsAfter(h.log, seq)).filter((e) => e.type === c.expectType);
      const name = { admin: 'root-admin', expert: 'fcal-expert', labeler: 'crew-chief', viewer: 'watcher' }[c.role];
      expect(events.length, key).toBeGreaterThan(0);
      for (const e of events) {
        expect(e.metadata.user, key).toBe(name);
        if (c.userInMetadataOnly) continue;
        const d = e.data as { user?: string; by?: string; requester?: string };
        expect(d.by ?? d.user ?? d.requester, key).toBe(name);
      }
    }
  });

  it('sends the security headers on every GET route', async () => {
    const base = await h.app.listen({ port: 0, host: '127.0.0.1' });
    {
      const samples: Record<string, string> = {
        '/assets/*': '/assets/app.css',
        '/vendor/htmx/*': '/vendor/htmx/htmx.min.js',
      };
      const gets = h.app.routeTable.filter((r) => r.method === 'GET');
      for (const r of gets) {
        const url = samples[r.url] ?? fill(r.url, { imageId: 'a'.repeat(64), sha: 'a'.repeat(64) });
        const ctl = new AbortController();
        const res = await fetch(`${base}${url}`, {
          headers: { cookie: roles.admin.cookieHeader() },
          signal: ctl.signal,
          redirect: 'manual',
        });
        ctl.abort();
        expect(res.status, url).toBeLessThan(500);
        const csp = res.headers.get('content-security-policy') ?? '';
        expect(csp, url).toContain("default-src 'self'");
        expect(csp, url).toContain("script-src 'self'");
        expect(csp, url).toContain("frame-ancestors 'none'");
        expect(csp, url).not.toMatch(/script-src[^;]*unsafe/);
        expect(res.headers.get('x-content-type-options'), url).toBe('nosniff');
        expect(res.headers.get('referrer-policy'), url).toBe('same-origin');
        expect(res.headers.get('x-frame-options'), url).toBe('DENY');
      }
      expect(gets.map((r) => r.url)).toEqual(
        expect.arrayContaining(['/', '/run/stream', '/admin', '/signin', '/metrics']),
      );
    }
  });
});

describe('forged requests', () => {
  it('change nothing: no CSRF token, another Origin, Origin null, no Origin, a foreign Host', async () => {
    await raise('sec-forge');
    const crew = roles.labeler;
    const seq = await lastSeq(h.log);
    const url = '/alarms/sec-forge/ack';
    const tries = [
      await crew.post(url, { comment: 'forged' }, { 'x-csrf-token': undefined, origin: 'http://evil.example' }),
      await crew.post(url, { comment: 'forged' }, { 'x-csrf-token': undefined }),
      await crew.post(url, { comment: 'forged' }, { 'x-csrf-token': 'made-up-token' }),
      await crew.post(url, { comment: 'forged' }, { origin: 'null' }),
      await crew.post(url, { comment: 'forged' }, { origin: undefined }),
      await crew.post(url, { comment: 'forged' }, { origin: 'http://evil.example:8092' }),
    ];
    expect(tries.map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403, 403]);
    const rebinding = await crew.post(
      url,
      { comment: 'forged' },
      { host: 'evil.example:8092', origin: 'http://evil.example:8092' },
    );
    expect(rebinding.statusCode).toBe(421);
    expect((await h.app.inject({ url: '/', headers: { host: 'evil.example' } })).statusCode).toBe(421);
    // A token from another user's page is worth nothing either.
    const stolen = await crew.post(url, { comment: 'forged' }, { 'x-csrf-token': roles.viewer.csrf });
    expect(stolen.statusCode).toBe(403);
    expect(await eventsAfter(h.log, seq)).toEqual([]);
  });
});

describe('sign-in', () => {
  it('slows down a wrong password given five times: refused even when the sixth is right', async () => {
    await addUser(h.app, 'slow-sam', 'viewer');
    const b = new Browser(h.app);
    await b.get('/signin');
    for (let i = 0; i < 5; i++) {
      const r = await b.post('/signin', { user: 'slow-sam', password: `wrong password ${i}` });
      expect(r.statusCode).toBe(401);
      expect(r.body).toContain('Wrong user name or password');
    }
    const sixth = await b.post('/signin', { user: 'slow-sam', password: TEST_PASSWORD });
    expect(sixth.statusCode).toBe(429);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    // Another user from the same address is not locked out by it.
    await addUser(h.app, 'other-olga', 'viewer');
    expect((await new Browser(h.app).signIn('other-olga')).has('hydra_session')).toBe(true);
  });

  it('ends sessions at sign-out, when the user is disabled, and when their password changes', async () => {
    const ann = await signedIn(h.app, 'ann-session', 'labeler');
    const cookie = ann.cookieHeader();
    expect((await ann.get('/admin')).statusCode).toBe(403);
    await ann.post('/signout');
    expect((await h.app.inject({ url: '/metrics', headers: { cookie } })).statusCode).toBe(401);

    const bea = await signedIn(h.app, 'bea-session', 'viewer');
    expect((await bea.get('/metrics')).statusCode).toBe(200);
    await h.app.accounts.changeUser({ kind: 'disable', user: 'bea-session' }, 'test');
    expect((await bea.get('/metrics', { accept: 'text/plain' })).statusCode).toBe(401);
    await h.app.accounts.changeUser({ kind: 'enable', user: 'bea-session' }, 'test');
    const again = await new Browser(h.app).signIn('bea-session');
    const { hashPassword } = await import('../accounts/password.ts');
    await h.app.accounts.changeUser(
      { kind: 'set-password', user: 'bea-session', passwordHash: await hashPassword('a brand new password') },
      'test',
    );
    expect((await again.get('/metrics', { accept: 'text/plain' })).statusCode).toBe(401);
    await expect(new Browser(h.app).signIn('bea-session')).rejects.toThrow(/401/);
    secrets.add('a brand new password').add('another long password');
  });

  it('goes back to the page asked for, never to another site', async () => {
    await addUser(h.app, 'nav-nick', 'viewer');
    const b = new Browser(h.app);
    expect((await b.get('/admin')).headers.location).toBe('/signin?next=%2Fadmin');
    await b.get('/signin?next=/log');
    expect(
      (await b.post('/signin', { user: 'nav-nick', password: TEST_PASSWORD, next: '/log' })).headers.location,
    ).toBe('/log');
    const c = new Browser(h.app);
    await c.get('/signin');
    const evil = await c.post('/signin', { user: 'nav-nick', password: TEST_PASSWORD, next: '//evil.example/' });
    expect(evil.headers.location).toBe('/');
  });
});

describe('anonymous viewing', () => {
  it('is an Admin setting: off, the pages want a sign-in; Viewers still see them', async () => {
    await roles.admin.post('/admin/settings', {});
    expect(await h.app.anonymousViewing()).toBe(false);
    const anon = await h.app.inject({ url: '/log', headers: { accept: 'text/html' } });
    expect(anon.statusCode).toBe(303);
    expect(anon.headers.location).toBe('/signin?next=%2Flog');
    expect((await h.app.inject({ url: '/run/stream' })).statusCode).toBe(401);
    expect((await roles.viewer.get('/log')).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/signin' })).statusCode).toBe(200);
    await roles.admin.post('/admin/settings', { anonymousViewing: 'on' });
    expect((await h.app.inject({ url: '/log', headers: { accept: 'text/html' } })).statusCode).toBe(200);
  });
});

describe('secrets', () => {
  it('never appear in the stream, the database or the logs', async () => {
    const hay: string[] = [...logs];
    for await (const m of h.log.read()) hay.push(m.ok ? JSON.stringify(m.event) : m.payload);
    const pool = h.env.database.pool;
    const [tables] = await pool.query<RowDataPacket[]>('SHOW TABLES');
    for (const t of tables) {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT * FROM \`${String(Object.values(t)[0])}\``);
      hay.push(JSON.stringify(rows));
    }
    expect(logs.length).toBeGreaterThan(10);
    const all = hay.join('\n');
    expect(all).toContain('argon2id');
    expect(all).toContain('crew-chief');
    for (const s of secrets) {
      expect(s.length).toBeGreaterThan(8);
      expect(all.includes(s), `a secret (${s.slice(0, 4)}…) was found`).toBe(false);
      expect(all.includes(decodeURIComponent(s)), `a secret (${s.slice(0, 4)}…) was found`).toBe(false);
    }
  });
});
