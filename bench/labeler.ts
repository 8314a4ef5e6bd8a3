import { Kvm } from '@nats-io/kv';
import { chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { and, desc, eq } from 'drizzle-orm';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { BenchResult } from './run.ts';
import { ev, fold, insert, plotName, sha, withoutIndexes } from './seed.ts';
import { openBenchEnv } from './support.ts';
import { hashPassword } from '../src/accounts/password.ts';
import { BlobStore } from '../src/blobs/store.ts';
import { openDatabase } from '../src/db/connection.ts';
import type { AnyNewEvent } from '../src/events/log.ts';
import { buildApp } from '../src/http/app.ts';
import { waitForStream } from '../src/projections/checkpoints.ts';
import { allProjections, ProjectionRunner } from '../src/projections/index.ts';
import { labelHistoryProjection, labelQueueProjection } from '../src/projections/label-queue/projection.ts';
import { labelQueue } from '../src/projections/label-queue/table.ts';
import { erase } from '../src/projections/runtime/projection.ts';

// npm run bench -- labeler: a year of images for 81 plot types written straight into the Labeler's read models
// (label_queue, label_history: the projections' own evolve, bulk inserts, not through NATS), then the real server
// and a real Chromium labelling: pick Good, `a` selects the page of 200, Enter applies.

const PLOTS = 81;
const DAYS = Number(process.env.BENCH_LABELER_DAYS ?? 365);
/** One image per plot type every 15 minutes, as in the http bench: 35,040 a plot type, 2.8 million in all. */
const STEP_MS = 15 * 60_000;
const PAGE = 200;
/** Applies of a page of 200 in the browser, next-page loads (thumbnails fetched ahead), and cold page loads. */
const RUNS = Number(process.env.BENCH_LABELER_RUNS ?? 12);
const LOADS = Number(process.env.BENCH_LABELER_LOADS ?? 8);
const COLD = Number(process.env.BENCH_LABELER_COLD ?? 4);
/** The plot type labelled; its newest images are real PNGs in the object store (their thumbnails are rendered). */
const BENCHED = 3;
/** Older unbiased images are labelled already (history rows too), as on a site that has been labelling. */
const LABELLED_AFTER_DAYS = 30;
const EXPERTS = ['ann', 'bob', 'cy', 'dee'];
const GOAL = { apply_p95_ms: 200, next_page_p95_ms: 300 };

const labels = [
  { name: 'Good', colour: '#2e9e44' },
  { name: 'Bad', colour: '#d62728', alarms: true },
  { name: 'NoData', colour: '#8c8c8c' },
];

function percentile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return +(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? Number.NaN).toFixed(1);
}
const p50 = (xs: readonly number[]) => percentile(xs, 0.5);
const p95 = (xs: readonly number[]) => percentile(xs, 0.95);

// PNG chunks: a tEXt chunk after IHDR makes each image's bytes (and so its id) its own, at no drawing cost.
const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function withText(png: Buffer, text: string): Buffer {
  const body = Buffer.concat([Buffer.from('tEXt'), Buffer.from(`Comment\0${text}`)]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

/** An 800x600 occupancy-like plot (a ring, some with a dead sector), drawn as SVG by sharp. */
async function basePlot(i: number): Promise<Buffer> {
  const r = 150 + (i % 6) * 12;
  const dead =
    i % 5 === 2 ? `<path d="M400 300 L${400 + 260} 300 A260 260 0 0 1 400 ${300 + 260} Z" fill="#fff"/>` : '';
  const spots = Array.from({ length: 40 }, (_, k) => {
    const a = (k * 137.5 + i * 11) * (Math.PI / 180);
    const rr = r + ((k * 37 + i * 13) % 60) - 30;
    return `<circle cx="${(400 + rr * Math.cos(a)).toFixed(1)}" cy="${(300 + rr * Math.sin(a)).toFixed(1)}" r="${4 + (k % 5)}" fill="#c00" opacity="0.6"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">
<defs><radialGradient id="g"><stop offset="45%" stop-color="#0000c0" stop-opacity="0"/><stop offset="60%" stop-color="#00c0ff"/>
<stop offset="72%" stop-color="#ffee00"/><stop offset="82%" stop-color="#ff3000"/><stop offset="95%" stop-color="#00f" stop-opacity="0"/></radialGradient></defs>
<rect width="800" height="600" fill="#fff"/><circle cx="400" cy="300" r="${r + 110}" fill="url(#g)"/>${spots}${dead}
<path d="M60 560 H780 M60 560 V20" stroke="#000" stroke-width="2"/><text x="70" y="40" font-size="20">BCAL occupancy ${i}</text></svg>`;
  // A palette PNG, as plotting programs write them: about the size of a real monitoring plot.
  return sharp(Buffer.from(svg)).png({ palette: true, colours: 64 }).toBuffer();
}

/** The real images of the benched plot type's newest slots: distinct bytes, stored in the object store. */
async function realImages(blobs: BlobStore, n: number): Promise<{ ids: string[]; bytes: number }> {
  const bases = await Promise.all(Array.from({ length: 24 }, (_, i) => basePlot(i)));
  const ids: string[] = new Array(n);
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const k = next++;
      const png = withText(bases[k % bases.length]!, `bench image ${k}`);
      bytes += png.length;
      ids[k] = (await blobs.put(png)).sha256;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { ids, bytes };
}

/**
 * A year of the Labeler's read models, a day at a time: every image's arrival, verdict and sampling folded through
 * label_queue's evolve; unbiased images older than a month labelled (label_queue and label_history).
 */
async function seed(pool: Pool, now: number, real: readonly string[]) {
  const queue = erase(labelQueueProjection);
  const history = erase(labelHistoryProjection);
  const start = Math.floor((now - DAYS * 86400_000) / STEP_MS) * STEP_MS;
  const last = Math.floor((now - 1) / STEP_MS) * STEP_MS;
  let images = 0;
  let labelled = 0;
  let pending: Promise<unknown> = Promise.resolve();
  for (let day = start; day < now; day += 86400_000) {
    const q = new Map<string, Record<string, unknown>>();
    const h = new Map<string, Record<string, unknown>>();
    for (let t = day; t < Math.min(day + 86400_000, now); t += STEP_MS) {
      const newest = (last - t) / STEP_MS;
      for (let p = 0; p < PLOTS; p++) {
        const plotType = plotName(p);
        const imageId = p === BENCHED && newest < real.length ? real[newest]! : sha(`${p}:${t}`);
        const at = new Date(t).toISOString();
        const wobble = (((t / STEP_MS) * 7919 + p * 104729) % 101) / 101;
        const episode = (Math.floor(t / 3600_000) * 31 + p * 17) % 997 < 6;
        const bad = episode ? 0.8 + 0.19 * wobble : 0.02 + 0.1 * wobble;
        const confirmed = wobble > 0.04;
        const run = 100_000 + (Math.floor(t / (2 * 3600_000)) % 900_000);
        const arrived = {
          imageId,
          plotType,
          run,
          chunk: Math.floor((t % (2 * 3600_000)) / STEP_MS),
          pad: 1,
          arrivedAt: at,
          width: 800,
          height: 600,
          bytes: 40_000,
          source: `${plotType}.png`,
        };
        fold(queue, q, ev('image.arrived', arrived, at, imageId));
        const verdict = bad > 0.5 ? 'Bad' : 'Good';
        const scores = { Good: 1 - bad, Bad: bad, NoData: 0 };
        const timings = { queueMs: 2, preprocessMs: 6, modelMs: 20 };
        const inference = { imageId, plotType, modelId: `${plotType}-m1`, scores, verdict, confidence: 0.9, confirmed };
        fold(queue, q, ev('inference.completed', { ...inference, timings }, at, imageId));
        const unbiased = Number.parseInt(imageId.slice(0, 4), 16) % 100 < 5;
        const reasons = [unbiased && 'unbiased', verdict === 'Bad' && confirmed && 'bad', !confirmed && 'unconfirmed'];
        for (const reason of reasons.filter(Boolean))
          fold(queue, q, ev('image.sampled', { imageId, plotType, reason }, at, imageId));
        if (unbiased && now - t > LABELLED_AFTER_DAYS * 86400_000) {
          const user = EXPERTS[images % EXPERTS.length]!;
          const label = ev('label.assigned', { imageId, plotType, label: verdict, user }, at, imageId);
          fold(queue, q, label);
          fold(history, h, label);
          labelled++;
        }
        images++;
      }
    }
    // One day inserting while the next is generated.
    await pending;
    pending = Promise.all([insert(pool, queue, q), insert(pool, history, h)]);
  }
  await pending;
  return { images, labelled };
}

/** Numbers the page reports: the Enter key, the grid shown, the next page's thumbnails fetched. */
const MARKS = `
  window.__b = { enter: 0, shown: 0, prefetched: 0 };
  performance.setResourceTimingBufferSize(100000);
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter') window.__b.enter = performance.now(); }, true);
  document.addEventListener('labeler:shown', () => { window.__b.shown = performance.now(); });
  document.addEventListener('labeler:prefetched', () => { window.__b.prefetched += 1; });
`;
/** When every thumbnail in view has loaded (page clock). */
const VISIBLE_LOADED = `new Promise((resolve) => {
  const check = () => {
    const imgs = [...document.querySelectorAll('#lab-grid .lt img')].filter((i) => {
      const r = i.getBoundingClientRect();
      return r.top < innerHeight && r.bottom > 0;
    });
    if (imgs.length && imgs.every((i) => i.complete && i.naturalWidth > 0)) resolve(performance.now());
    else requestAnimationFrame(check);
  };
  check();
})`;

/** Waits in the page until an expression holds (page.waitForFunction evaluates strings, which the CSP forbids). */
async function until(page: Page, expr: string, timeoutMs = 120_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still not so after ${timeoutMs} ms: ${expr}`)), timeoutMs);
  });
  const check = page.evaluate(
    `new Promise((resolve) => { const check = () => ((${expr}) ? resolve(true) : setTimeout(check, 5)); check(); })`,
  );
  try {
    await Promise.race([check, late]);
  } finally {
    clearTimeout(timer);
  }
}

const prefetched = (page: Page, count: number) => until(page, `window.__b.prefetched >= ${count}`);

interface PageLoad {
  readonly server: number;
  readonly shown: number;
  readonly thumbs: number;
}
/** A full load of a Labeler page: the server's answer, the grid parsed, the thumbnails in view loaded. */
async function pageLoad(page: Page): Promise<PageLoad> {
  await page.locator('#lab-grid .lt').first().waitFor();
  const thumbs = (await page.evaluate(VISIBLE_LOADED)) as number;
  const nav = (await page.evaluate(
    `(() => { const n = performance.getEntriesByType('navigation')[0]; return { server: n.responseStart - n.requestStart, shown: n.domContentLoadedEventEnd }; })()`,
  )) as { server: number; shown: number };
  return { ...nav, thumbs };
}

/** The same rows as an apply's label_history rows, inserted bare in one statement and committed. */
async function bareInsert(pool: Pool, ids: readonly string[], k: number): Promise<number> {
  const now = new Date();
  const rows = ids.map((id, i) => [`${9e12 + k * 1000 + i}`, id, plotName(BENCHED), 'assigned', 'Good', 'lena', now]);
  const conn = await pool.getConnection();
  try {
    const t0 = performance.now();
    await conn.beginTransaction();
    await conn.query(
      'INSERT INTO bench_bare (`seq`, `image_id`, `plot_type`, `kind`, `label`, `user`, `at`) VALUES ?',
      [rows],
    );
    await conn.commit();
    return performance.now() - t0;
  } finally {
    conn.release();
  }
}

export default async function bench(): Promise<BenchResult> {
  const pages = RUNS + 1 + LOADS + 1 + 2 * COLD + 1;
  // The newest slots get real images: enough for every page the browser visits (labelled ones are skipped).
  const realCount = Math.ceil(pages * PAGE * 1.1);
  if (DAYS * 96 < realCount)
    throw new Error(`BENCH_LABELER_DAYS=${DAYS} holds ${DAYS * 96} images a plot type; ${realCount} are needed`);
  const env = await openBenchEnv('labeler');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const runnerDb = await openDatabase(env.config.DATABASE_URL, { connectionLimit: 2 * allProjections.length + 4 });
  const runners: ProjectionRunner[] = [];
  try {
    const log = await env.openLog();
    const blobs = await BlobStore.open(env.nc, log.names.blobBucket);
    const pool = env.database.pool;
    const now = Date.now();
    let t0 = performance.now();
    const real = await realImages(blobs, realCount);
    const imagesSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const made = await withoutIndexes(pool, ['label_queue', 'label_history'], () => seed(pool, now, real.ids));
    const seedSeconds = (performance.now() - t0) / 1000;
    console.error(
      `seeded ${made.images.toLocaleString()} images (${made.labelled.toLocaleString()} labelled) in ${seedSeconds.toFixed(0)} s; ${real.ids.length} real PNGs in ${imagesSeconds.toFixed(0)} s`,
    );

    // Plot types and the labeller are real events; every read model follows the stream from here on.
    const meta = { correlationId: 'bench', producer: 'bench-labeler' };
    const defined: AnyNewEvent[] = Array.from({ length: PLOTS }, (_, p) => ({
      type: 'plottype.defined',
      metadata: meta,
      data: {
        name: plotName(p),
        detector: plotName(p).split('_')[0],
        pattern: '^(?<plot>[A-Za-z0-9_]+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.png$',
        labels,
        input: { width: 160, height: 120, channels: 3 },
        collectPercent: 5,
      },
    })) as AnyNewEvent[];
    await log.appendMany(defined);
    runners.push(...allProjections.map((p) => new ProjectionRunner(runnerDb, log, p, { batchSize: 500 })));
    await Promise.all(runners.map((r) => r.start()));
    const deps = {
      config: env.config,
      db: env.database.db,
      log,
      blobs,
      status: await new Kvm(env.nc).create(log.names.statusBucket, { history: 1 }),
      expectedRoles: () => [],
      clock: Date.now,
    };
    const app = await buildApp({ deps });
    const password = 'bench labeller password';
    await app.accounts.changeUser({ kind: 'add', user: 'lena', passwordHash: await hashPassword(password) }, 'bench');
    await app.accounts.changeUser({ kind: 'grant', user: 'lena', role: 'labeler' }, 'bench');
    const late = await waitForStream(env.database.db, log, allProjections, { timeoutMs: 60_000 });
    if (late.length) throw new Error(`read models behind: ${late.join(', ')}`);
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    await pool.query('CREATE TABLE bench_bare LIKE label_history');

    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(MARKS);
    await page.goto(`${base}/signin?next=${encodeURIComponent(`/labeler?plot=${plotName(BENCHED)}&queue=all`)}`);
    await page.locator('input[name="user"]').fill('lena');
    await page.locator('input[name="password"]').fill(password);
    await page.locator('.signin-form button').click();
    await page.waitForURL(/\/labeler\?/);
    const first = await pageLoad(page);
    await page.keyboard.press('1');

    // Apply: `a` selects the page, Enter labels it Good; the answer is the next page, shown in place.
    const apply = {
      server: [] as number[],
      shown: [] as number[],
      thumbs: [] as number[],
      bare: [] as number[],
      cached: [] as number[],
    };
    /** The server's own account of each apply (Server-Timing): deciding, appending, the queues showing it, the page. */
    const phases: Record<string, number[]> = {};
    for (let k = 0; k < RUNS; k++) {
      // As the labeller would: the next page's thumbnails have come while they looked at this one.
      await prefetched(page, k + 1);
      const ids = (await page.evaluate(
        `[...document.querySelectorAll('#lab-grid .lt')].map((t) => t.dataset.id)`,
      )) as string[];
      if (ids.length !== PAGE) throw new Error(`page ${k} holds ${ids.length} images, not ${PAGE}`);
      await page.evaluate('performance.clearResourceTimings()');
      await page.keyboard.press('a');
      await page.keyboard.press('Enter');
      await until(page, 'window.__b.shown > window.__b.enter', 30_000);
      const thumbs = (await page.evaluate(VISIBLE_LOADED)) as number;
      const m = (await page.evaluate(`(() => {
        const r = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/labeler/apply')).at(-1);
        const phases = Object.fromEntries(r.serverTiming.map((t) => [t.name, t.duration]));
        const thumbs = performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'img' && e.name.endsWith('/thumb'));
        const cached = thumbs.filter((e) => e.transferSize === 0).length;
        return { server: r.responseStart - r.requestStart, enter: window.__b.enter, shown: window.__b.shown, phases, thumbs: thumbs.length, cached };
      })()`)) as {
        server: number;
        enter: number;
        shown: number;
        phases: Record<string, number>;
        thumbs: number;
        cached: number;
      };
      apply.cached.push(m.thumbs ? (100 * m.cached) / m.thumbs : 0);
      apply.server.push(m.server);
      for (const [name, ms] of Object.entries(m.phases)) (phases[name] ??= []).push(ms);
      apply.shown.push(m.shown - m.enter);
      apply.thumbs.push(thumbs - m.enter);
      apply.bare.push(await bareInsert(pool, ids, k));
    }
    const note = await page.locator('.lab-note').innerText();
    if (!note.includes(`Labelled ${PAGE} images Good`)) throw new Error(`the last apply said: ${note}`);

    // The next page by its link, its thumbnails fetched ahead by the page before.
    const warm: PageLoad[] = [];
    for (let k = 0; k < LOADS; k++) {
      await prefetched(page, 1 + (k === 0 ? RUNS : 0));
      await page.locator('.lab-next').click();
      await page.waitForLoadState('domcontentloaded');
      warm.push(await pageLoad(page));
    }
    // Pages nobody fetched ahead: two pages on each time (the page before fetched only its own next one).
    const cold: PageLoad[] = [];
    const [counted] = await pool.query<RowDataPacket[]>(
      'SELECT count(*) AS n FROM label_queue WHERE plot_type = ? AND labelled = 0',
      [plotName(BENCHED)],
    );
    const unlabelled = Number(counted[0]?.n);
    const visited = (await page.evaluate('location.href')) as string;
    for (let k = 0; k < COLD; k++) {
      // After the applies, page 0 of the unlabelled images is the one the last apply showed.
      const offset = (LOADS + 2 + 2 * k) * PAGE - 1;
      const [row] = await env.database.db
        .select({ at: labelQueue.at, imageId: labelQueue.imageId })
        .from(labelQueue)
        .where(and(eq(labelQueue.plotType, plotName(BENCHED)), eq(labelQueue.labelled, false)))
        .orderBy(desc(labelQueue.at), desc(labelQueue.imageId))
        .limit(1)
        .offset(offset);
      const url = new URL(visited);
      url.searchParams.set('after', `${row!.at}~${row!.imageId}`);
      await page.goto(url.toString());
      cold.push(await pageLoad(page));
    }
    const pageBytes = Buffer.byteLength(await page.content());
    await page.close();
    await app.close();
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);

    const figures = {
      seeded: `label_queue and label_history rows from the projections' own evolve, bulk INSERTs with the secondary indexes built afterwards (not through NATS); plot types and the user as events`,
      plot_types: PLOTS,
      days: DAYS,
      images: made.images,
      labelled_images: made.labelled,
      benched_plot_type_images: DAYS * 96,
      benched_unlabelled_at_end: unlabelled,
      real_pngs: real.ids.length,
      real_png_bytes_avg: Math.round(real.bytes / real.ids.length),
      seed_seconds: Math.round(seedSeconds),
      selection: PAGE,
      runs: RUNS,
      apply_server_p50_ms: p50(apply.server),
      apply_server_p95_ms: p95(apply.server),
      next_page_shown_p50_ms: p50(apply.shown),
      next_page_shown_p95_ms: p95(apply.shown),
      next_page_thumbs_in_view_p50_ms: p50(apply.thumbs),
      next_page_thumbs_in_view_p95_ms: p95(apply.thumbs),
      next_page_thumbs_from_browser_cache_pct_p50: p50(apply.cached),
      ...Object.fromEntries(Object.entries(phases).map(([name, ms]) => [`apply_${name}_p50_ms`, p50(ms)])),
      bare_insert_p50_ms: p50(apply.bare),
      bare_insert_p95_ms: p95(apply.bare),
      first_page_server_ms: +first.server.toFixed(1),
      page_loads: LOADS,
      page_load_server_p50_ms: p50(warm.map((w) => w.server)),
      page_load_server_p95_ms: p95(warm.map((w) => w.server)),
      page_load_shown_p95_ms: p95(warm.map((w) => w.shown)),
      page_load_thumbs_in_view_p50_ms: p50(warm.map((w) => w.thumbs)),
      page_load_thumbs_in_view_p95_ms: p95(warm.map((w) => w.thumbs)),
      cold_loads: COLD,
      cold_page_server_p50_ms: p50(cold.map((w) => w.server)),
      cold_page_thumbs_in_view_p50_ms: p50(cold.map((w) => w.thumbs)),
      cold_page_thumbs_in_view_p95_ms: p95(cold.map((w) => w.thumbs)),
      page_bytes: pageBytes,
      goal_apply_p95_ms: GOAL.apply_p95_ms,
      goal_next_page_p95_ms: GOAL.next_page_p95_ms,
      images_per_hour_if_one_apply_per_page: Math.round((3600_000 / p95(apply.shown)) * PAGE),
    };
    return {
      figures,
      ratios: {
        apply_server_vs_bare_insert: +(p95(apply.server) / Math.max(0.1, p95(apply.bare))).toFixed(1),
        next_page_shown_vs_goal: +(p95(apply.shown) / GOAL.next_page_p95_ms).toFixed(2),
        apply_server_vs_goal: +(p95(apply.server) / GOAL.apply_p95_ms).toFixed(2),
        thumbs_cold_vs_fetched_ahead: +(
          p50(cold.map((w) => w.thumbs)) / Math.max(1, p50(warm.map((w) => w.thumbs)))
        ).toFixed(1),
      },
    };
  } finally {
    // Tidying up never hides what went wrong before it.
    const tidy = (what: string) => (err: unknown) => console.error(`${what}: ${(err as Error).message}`);
    await Promise.all(runners.map((r) => r.stop().catch(tidy('stopping a projection'))));
    await runnerDb.close().catch(tidy('closing the runners database'));
    await browser.close().catch(tidy('closing Chromium'));
    await env.cleanup().catch(tidy('removing the bench database and streams'));
  }
}
