import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fact, openHttpEnv, type HttpEnv } from '../../test/support/http.ts';
import { heatmapPng, plotPng } from '../../test/support/images.ts';
import { meta } from '../../test/support/events.ts';
import { Browser, signedIn } from '../../test/support/accounts.ts';

let h: HttpEnv;
const ids: Record<string, string> = {};
const XSS = '<script>alert(1)</script>';
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

beforeAll(async () => {
  h = await openHttpEnv('http_app', { expectedRoles: ['projections', 'inference'] });
  const heat = await h.blobs.put(await heatmapPng());
  for (const [k, [name, bad]] of (
    [
      ['CDC_ring', false],
      ['FCAL_ring', true],
      ['BCAL_ring', false],
    ] as const
  ).entries()) {
    for (let i = 0; i < 3; i++)
      ids[`${name}${i}`] = (await h.blobs.put(await plotPng(10 * k + i, { bad: bad && i > 0 }))).sha256;
  }
  await h.append([
    fact.plotType('CDC_ring', 'CDC', { title: XSS }),
    fact.plotType('FCAL_ring', 'FCAL'),
    fact.plotType('BCAL_ring', 'BCAL'),
    fact.plotType('RF_hidden', 'RF', { hidden: true }),
  ]);
  for (let i = 0; i < 3; i++) {
    const at = minutesAgo(30 - i * 10);
    await h.append([
      fact.arrived(ids[`CDC_ring${i}`]!, 'CDC_ring', 5000 + i, i, at),
      fact.arrived(ids[`FCAL_ring${i}`]!, 'FCAL_ring', 5000 + i, i, at),
      fact.arrived(ids[`BCAL_ring${i}`]!, 'BCAL_ring', 5000 + i, i, at),
    ]);
    await h.append([
      fact.verdict(ids[`CDC_ring${i}`]!, 'CDC_ring', 'Good', 0.02),
      fact.verdict(ids[`FCAL_ring${i}`]!, 'FCAL_ring', i > 0 ? 'Bad' : 'Good', i > 0 ? 0.93 : 0.1, {
        heatmap: i > 0 ? heat.sha256 : undefined,
      }),
      fact.verdict(ids[`BCAL_ring${i}`]!, 'BCAL_ring', 'Bad', 0.55, { confirmed: false }),
    ]);
  }
});
afterAll(async () => h?.close());

const get = (url: string, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'GET', url, headers: { accept: 'text/html', ...headers } });

describe('Run page', () => {
  it('serves a whole page with Bad first, Unconfirmed next, hidden plot types tucked away, all escaped', async () => {
    const res = await get('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    const body = res.body;
    expect(body).toMatch(/^<!doctype html>/);
    expect(body).toContain('src="/vendor/htmx/htmx.min.js?v=4.0.1"');
    expect(body).toContain('hx-sse:connect="/run/stream"');
    const order = [...body.matchAll(/id="tile-([A-Za-z_]+)" class="tile/g)].map((m) => m[1]);
    expect(order).toEqual(['FCAL_ring', 'BCAL_ring', 'CDC_ring', 'RF_hidden']);
    expect(body).toContain('Hidden and ignored plot types (1)');
    expect(body).not.toContain(XSS);
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toMatch(/FCAL_ring[\s\S]*Bad since/);
  });

  it('gives htmx requests the fragment of the same view', async () => {
    const res = await get('/', { 'hx-request': 'true' });
    expect(res.body).not.toContain('<!doctype html>');
    expect(res.body).toMatch(/^<title>Run · Hydra<\/title><section class="run">/);
    expect(res.body).toContain('hx-swap-oob="true"');
  });

  it('warns that a needed worker is down', async () => {
    expect((await get('/')).body).toMatch(/inference is down<\/strong> — no process is running it/);
  });

  it('warns that a read model parked an event, and links to the dead letters', async () => {
    expect((await get('/')).body).not.toContain('could not be applied');
    await h.log.js.publish(`${h.log.names.namespace}.image.arrived.poison`, '{"not": "an envelope"');
    await h.append([fact.plotType('PARKED_after', 'RF')]);
    const body = (await get('/')).body;
    expect(body).toMatch(/<strong>\d+ events? could not be applied<\/strong> by [^<]*images \(1\)/);
    expect(body).toContain('href="/status#dead-letters"');
    expect((await get('/status')).body).toContain('id="dead-letters"');
  });
});

describe('detail and images', () => {
  it('shows an image with every score, its heatmap, model, run, chunk and the recent history', async () => {
    const res = await get(`/images/${ids.FCAL_ring2}`);
    expect(res.statusCode).toBe(200);
    const b = res.body;
    expect(b).toContain(`/blobs/${ids.FCAL_ring2}`);
    expect(b).toMatch(/class="heat"/);
    expect(b).toMatch(/<th scope="row">Bad<\/th>[\s\S]*93%/);
    expect(b).toContain('FCAL_ring-m1');
    expect(b).toMatch(/<dt>Run<\/dt><dd>5002<\/dd><dt>Chunk<\/dt><dd>2<\/dd>/);
    expect([...b.matchAll(/class="sq /g)]).toHaveLength(3);
    const partial = await get(`/images/${ids.FCAL_ring2}`, { 'hx-request': 'true' });
    expect(partial.body).toMatch(/^<div class="backdrop" data-close-detail><\/div><article class="detail overlay"/);
  });

  it('serves content-addressed images with long cache headers, thumbnails, and 404/400 for the rest', async () => {
    const res = await get(`/blobs/${ids.CDC_ring0}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get(`/blobs/${ids.CDC_ring0}`, { 'if-none-match': `"${ids.CDC_ring0}"` })).statusCode).toBe(304);
    const thumb = await get(`/blobs/${ids.CDC_ring0}/thumb`);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect(thumb.rawPayload.subarray(8, 12).toString()).toBe('WEBP');
    expect((await get(`/blobs/${'0'.repeat(64)}`)).statusCode).toBe(404);
    const notImage = await h.blobs.put(new TextEncoder().encode('not an image at all'));
    expect((await get(`/blobs/${notImage.sha256}/thumb`)).statusCode).toBe(415);
    expect((await get(`/blobs/${notImage.sha256}`)).headers['content-type']).toBe('application/octet-stream');
    expect((await get('/blobs/nothex')).statusCode).toBe(400);
    expect((await get(`/images/${'0'.repeat(64)}`)).statusCode).toBe(404);
  });
});

describe('Log, Timeline, Status', () => {
  it('lists confirmed Bad and Unconfirmed with when the current problem started', async () => {
    const b = (await get('/log')).body;
    expect(b).toMatch(/id="sum-FCAL_ring"[\s\S]*?Bad since <strong>/);
    expect(b).toMatch(/data-streak-start[\s\S]*?problem started/);
    expect(b).toContain('5 confirmed Bad and Unconfirmed images');
    expect((await get('/log?kind=bad')).body).toContain('2 confirmed Bad images');
    expect((await get('/log?plot=BCAL_ring&kind=unconfirmed')).body).toContain('3 Unconfirmed images of BCAL_ring');
    expect((await get('/log?runFrom=5002&runTo=5002')).body).toContain('2 confirmed Bad and Unconfirmed images');
    expect((await get('/log?from=yesterday')).statusCode).toBe(400);
  });

  it('draws the score chart with run boundaries', async () => {
    const b = (await get('/timeline?plot=FCAL_ring&span=6h')).body;
    expect(b).toContain('<svg class="chart"');
    expect(b).toMatch(/class="runlab"[^>]*>run 5001</);
    expect(b).toMatch(/polyline class="series line" style="stroke:#d62728"/);
    expect((await get('/timeline?plot=FCAL_ring&span=30d')).body).toContain('hourly means');
  });

  it('shows processes, read models, arrivals per day and the news form; /metrics, /healthz, /readyz', async () => {
    const now = new Date().toISOString();
    await h.status.put(
      'proc.testhost.42',
      JSON.stringify({
        key: 'proc.testhost.42',
        roles: ['projections'],
        host: 'testhost',
        pid: 42,
        startedAt: now,
        at: now,
        intervalMs: 5000,
        stats: { projections: { handled: 12, failed: 0, lastMs: 3.5, histogram: { 10: 4, 100: 1 } } },
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    const expert = await signedIn(h.app, 'status-expert', 'expert');
    const b = (await expert.get('/status')).body;
    expect(b).toMatch(/<td>projections<\/td><td>testhost<\/td><td class="num">42<\/td>/);
    expect(b).toContain('plot_status');
    expect(b).toContain('class="calendar"');
    expect(b).toContain('name="text"');
    // Anonymous watchers see the processes, not where they run, and no news form.
    const anonymous = (await get('/status')).body;
    expect(anonymous).toMatch(/<td>projections<\/td>\s*<td>/);
    expect(anonymous).not.toContain('testhost');
    expect(anonymous).not.toContain('name="text"');
    expect((await h.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const m = await expert.get('/metrics');
    expect(m.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(m.body).toContain('hydra_plot_problem{plot_type="FCAL_ring",detector="FCAL",state="bad"} 1');
    expect(m.body).toContain('hydra_role_live{role="inference"} 0');
    expect(m.body).toContain(
      'hydra_role_processing_ms_bucket{role="projections",host="testhost",pid="42",le="+Inf"} 5',
    );
    expect(JSON.parse((await get('/healthz')).body)).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, nats: { ok: true } },
    });
  });
});

describe('actions', () => {
  it('posts a news banner as an event naming the signed-in Expert, escaped on the Run page, and takes it down', async () => {
    const expert = await signedIn(h.app, 'news-expert', [{ role: 'expert', detectors: ['FCAL'] }]);
    const res = await expert.post('/news', { text: `Beam off ${XSS}`, level: 'warning' }, { 'hx-request': 'true' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Posted');
    await h.caughtUp(0);
    const page = (await get('/')).body;
    expect(page).toContain('class="banner news warning"');
    expect(page).toContain('Beam off &lt;script&gt;');
    expect(page).toContain('— news-expert');
    const clear = await expert.post('/news', { action: 'clear' });
    expect(clear.statusCode).toBe(303);
    await h.caughtUp(0);
    expect((await get('/')).body).not.toContain('banner news');
    expect((await expert.post('/news', {})).statusCode).toBe(400);
    const cross = await expert.post('/news', { text: 'x' }, { origin: 'http://evil.example' });
    expect(cross.statusCode).toBe(403);
    const labeler = await signedIn(h.app, 'news-labeler', 'labeler');
    expect((await labeler.post('/news', { text: 'x' })).statusCode).toBe(403);
  });

  it('acknowledges an alarm in the name of the signed-in Labeler, with a comment shown escaped', async () => {
    await h.append([
      {
        type: 'alarm.raised',
        metadata: meta,
        data: {
          alarmId: 'al-fcal',
          plotType: 'FCAL_ring',
          detector: 'FCAL',
          run: 5001,
          label: 'Bad',
          confidence: 0.93,
          firstImageId: ids.FCAL_ring1!,
          imageIds: [ids.FCAL_ring1!, ids.FCAL_ring2!],
          raisedAt: minutesAgo(20),
        },
      },
    ]);
    expect((await get('/')).body).toMatch(/<strong>ALARM<\/strong> FCAL_ring[\s\S]*Sign in to acknowledge/);
    const anonymous = await new Browser(h.app).post('/alarms/al-fcal/ack', { comment: 'x' });
    expect(anonymous.statusCode).toBe(401);
    const crew = await signedIn(h.app, 'shift-lead', 'labeler');
    expect((await crew.get('/')).body).toMatch(/<body[^>]*class="[^"]*can-labeler/);
    const res = await crew.post('/alarms/al-fcal/ack', { comment: XSS }, { 'hx-request': 'true' });
    expect(res.statusCode).toBe(204);
    await h.caughtUp(0);
    const page = (await get('/')).body;
    expect(page).toContain('acknowledged by shift-lead: “&lt;script&gt;alert(1)&lt;/script&gt;”');
    expect((await crew.post('/alarms/nope/ack', {})).statusCode).toBe(404);
  });
});
