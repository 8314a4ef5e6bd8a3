import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fact, openHttpEnv, type HttpEnv } from '../support/http.ts';
import { addUser } from '../support/accounts.ts';
import { meta } from '../support/events.ts';
import { plotPng } from '../support/images.ts';
import { beat, seed, sustainDecisions, XSS, XSS_DETECTOR, type Seeded } from './seed.ts';

const ROLES = ['projections', 'ingest', 'inference', 'alarms', 'http'];
// Screenshots go to a scratch folder on every run; `HYDRA_SCREENSHOTS=docs/screenshots npx vitest run test/e2e`
// refreshes the committed ones, so a test run never leaves the working tree changed.
const SHOTS = process.env.HYDRA_SCREENSHOTS
  ? path.resolve(process.env.HYDRA_SCREENSHOTS)
  : mkdtempSync(path.join(os.tmpdir(), 'hydra-shots-'));

let h: HttpEnv;
let s: Seeded;
let browser: Browser;
let page: Page;
let base = '';
const dialogs: string[] = [];
const pageErrors: string[] = [];
/** The Content-Security-Policy must not block anything our own pages do (htmx, its SSE extension, app.js). */
const cspViolations: string[] = [];

beforeAll(async () => {
  h = await openHttpEnv('pages_e2e', { expectedRoles: ROLES, tickMs: 2000 });
  [s] = await Promise.all([seed(h), beat(h, ROLES)]);
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) cspViolations.push(m.text());
  });
  // Nothing on the pages may come from anywhere but this server.
  await page.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** Lazy images below the fold would be blank in a full-page screenshot. */
const loadAllImages = () =>
  page.evaluate(
    `Promise.all([...document.images].map((i) => { i.loading = 'eager'; return i.decode().catch(() => undefined); }))`,
  );
const firstTile = () => page.locator('#board .group').first().locator('.tile').first();

describe('the pages in a browser', () => {
  it('updates the Run page without a reload when a verdict is appended, and floats the Bad plot to the top', async () => {
    await page.goto(`${base}/`);
    await page.locator('#live-state.on').waitFor({ timeout: 10_000 });
    await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
    expect(await firstTile().getAttribute('data-plot')).toBe('FCAL_occupancy');
    await page.screenshot({ path: `${SHOTS}/run.png` });

    const id = (await h.blobs.put(await plotPng(424242, { bad: true }))).sha256;
    await h.log.append(fact.arrived(id, 'CDC_drift_time', 101072, 37, new Date().toISOString()));
    const t0 = Date.now();
    await h.log.append(fact.verdict(id, 'CDC_drift_time', 'Bad', 0.96, { heatmap: s.heatmap }));
    await page
      .locator('#board section.group:first-of-type .tile:first-child[data-plot="CDC_drift_time"][data-state="bad"]')
      .waitFor({ timeout: 10_000 });
    const pushMs = Date.now() - t0;
    console.log(`verdict appended → Run page updated in ${pushMs} ms`);
    expect(pushMs).toBeLessThan(5000);
    expect(await page.evaluate(() => (globalThis as { notReloaded?: boolean }).notReloaded)).toBe(true);
    expect(await firstTile().locator('.badge').innerText()).toMatch(/Bad\s+96%/);
  });

  it('shows a worker going down on the page, live', async () => {
    await h.status.delete('proc.ctrl-hydra01.4102');
    await page.getByText('inference is down').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: `${SHOTS}/run-worker-down.png` });
    await beat(h, ROLES);
    await page.getByText('inference is down').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('opens the detail of a tile with scores, heatmap and history, and closes it', async () => {
    await firstTile().click();
    const detail = page.locator('#detail article.detail');
    await detail.waitFor();
    expect(await detail.locator('table.scores tr').count()).toBe(3);
    expect(await detail.locator('.facts').innerText()).toMatch(/Run\s+101072\s+Chunk\s+37/);
    await detail.locator('.heat-toggle').check();
    expect(await detail.locator('img.heat').isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/detail.png` });
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'detached' });
    // The switch is shared: the Run page's tiles show their heatmaps too now.
    expect(await page.locator('#tile-CDC_drift_time img.heat').isVisible()).toBe(true);
    await page.locator('#heat-toggle').uncheck();
  });

  it('shows in the Log when the current problem started', async () => {
    await page.locator('#nav a[href="/log"]').click();
    const row = page.locator('#sum-FCAL_occupancy');
    await row.waitFor();
    expect(page.url()).toBe(`${base}/log`);
    expect(await row.innerText()).toMatch(
      /Bad since \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+run 101071 chunk 27 · 10 images/,
    );
    // FCAL's problem, and the one the first test started on CDC drift time.
    expect(await page.locator('tr[data-streak-start]').count()).toBe(2);
    await loadAllImages();
    await page.screenshot({ path: `${SHOTS}/log.png`, fullPage: true });
    await page.locator(`tr[data-streak-start] a[href="/images/${s.streakStart}"]`).click();
    await page.locator(`#detail article[data-image="${s.streakStart}"]`).waitFor();
    await page.keyboard.press('Escape');
  });

  it('draws the Timeline with run boundaries, and the Status page', async () => {
    await page.goto(`${base}/timeline?plot=FCAL_occupancy&span=6h`);
    await page.locator('svg.chart').waitFor();
    expect(await page.locator('svg.chart .runlab').allTextContents()).toEqual([
      'run 101070',
      'run 101071',
      'run 101072',
    ]);
    await page.screenshot({ path: `${SHOTS}/timeline.png`, fullPage: true });
    // The loop's section: its decisions for the plot type as the loop appends them, the last one stale.
    await h.append(sustainDecisions('FCAL_occupancy'));
    await page.goto(`${base}/timeline?plot=FCAL_occupancy&span=6h`);
    await page.locator('#sustain table.sustain-history').waitFor();
    expect(await page.locator('#sustain .sustain-warning').textContent()).toMatch(/Labelling lags/);
    expect(await page.locator('#sustain table.sustain-history tbody tr').count()).toBe(6);
    expect(await page.locator('#sustain table.sustain-history').textContent()).toMatch(/mix shift 25%/);
    await page.locator('#sustain').screenshot({ path: `${SHOTS}/timeline-sustain.png` });
    await page.goto(`${base}/status`);
    await page.locator('table.procs').waitFor();
    expect(await page.locator('table.procs tbody tr').count()).toBe(ROLES.length);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1920);
    await page.screenshot({ path: `${SHOTS}/status.png`, fullPage: true });
  });

  it('shows names and comments made of markup as text, and runs none of it', async () => {
    await page.goto(`${base}/`);
    await page.locator('#live-state.on').waitFor();
    expect(await page.locator('#tile-XSS_plot .name').innerText()).toBe(XSS);
    expect(await page.locator('.group h2', { hasText: XSS_DETECTOR }).count()).toBe(1);
    expect(await page.locator('.alarm.acknowledged .ack').innerText()).toContain(XSS);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('signs in, acknowledges an alarm under the signed-in name, and signs out', async () => {
    await addUser(h.app, 'night-owl', [{ role: 'expert', detectors: ['FCAL'] }], 'owl password 123');
    await h.append([
      {
        type: 'alarm.raised',
        metadata: meta,
        data: {
          alarmId: 'al-owl-1',
          plotType: 'BCAL_occupancy',
          detector: 'BCAL',
          run: 101072,
          label: 'Bad',
          confidence: 0.91,
          firstImageId: s.latest.BCAL_occupancy!,
          imageIds: [s.latest.BCAL_occupancy!],
          raisedAt: new Date().toISOString(),
        },
      },
    ]);
    await page.goto(`${base}/`);
    await page.locator('#live-state.on').waitFor();
    const alarm = page.locator('.alarm', { hasText: 'BCAL_occupancy' });
    expect(await alarm.locator('.ack-form').isVisible()).toBe(false);
    await alarm.locator('.signin-to-act').click();
    await page.locator('input[name="user"]').fill('night-owl');
    await page.locator('input[name="password"]').fill('wrong password!');
    await page.locator('.signin-form button').click();
    await page.locator('.flash.bad').waitFor();
    await page.screenshot({ path: `${SHOTS}/signin.png` });
    await page.locator('input[name="password"]').fill('owl password 123');
    await page.locator('.signin-form button').click();
    await page.waitForURL(`${base}/`);
    expect(await page.locator('#account .who').innerText()).toContain('night-owl');
    await page.locator('#live-state.on').waitFor();
    await alarm.locator('input[name="comment"]').fill('called the BCAL expert');
    await alarm.locator('button', { hasText: 'Acknowledge' }).click();
    // The live stream redraws the alarm once the read model has the acknowledgement.
    await page.locator('.alarm.acknowledged', { hasText: 'BCAL_occupancy' }).waitFor({ timeout: 10_000 });
    expect(await page.locator('.alarm.acknowledged', { hasText: 'BCAL_occupancy' }).locator('.ack').innerText()).toBe(
      'acknowledged by night-owl: “called the BCAL expert”',
    );
    await page.screenshot({ path: `${SHOTS}/run-signed-in.png` });
    await page.locator('#account button', { hasText: 'Sign out' }).click();
    await page.waitForURL(`${base}/`);
    await page.locator('#account .signin-link').waitFor();
    expect(await page.locator('.alarm', { hasText: 'FCAL_occupancy' }).locator('.ack-form').isVisible()).toBe(false);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('lets an Admin make a user and an API token on the Admin page; the token shows once', async () => {
    await addUser(h.app, 'ops-admin', 'admin', 'admin password 123');
    await page.goto(`${base}/signin?next=/admin`);
    await page.locator('input[name="user"]').fill('ops-admin');
    await page.locator('input[name="password"]').fill('admin password 123');
    await page.locator('.signin-form button').click();
    await page.waitForURL(`${base}/admin`);
    const add = page.locator('form[action="/admin/users"]');
    await add.locator('input[name="user"]').fill('fcal-expert');
    await add.locator('select[name="role"]').selectOption('expert');
    await add.locator('input[name="detectors"]').fill('FCAL');
    await add.locator('input[name="password"]').fill('fcal password 123');
    await add.locator('button').click();
    await page.locator('.flash', { hasText: 'Added fcal-expert as expert (FCAL)' }).waitFor();
    const make = page.locator('form[action="/admin/tokens"]');
    await make.locator('input[name="name"]').fill('RootSpy Hall D');
    await make.locator('select[name="role"]').selectOption('labeler');
    await make.locator('button').click();
    const token = await page.locator('#new-token').innerText();
    expect(token).toMatch(/^hydra_[0-9a-f]{12}_/);
    await page.screenshot({ path: `${SHOTS}/admin.png`, fullPage: true });
    await page.goto(`${base}/admin`);
    expect(await page.locator('body').innerText()).not.toContain(token);
    expect(await page.locator('table.tokens').innerText()).toContain('RootSpy Hall D');
    await page.locator('#account button', { hasText: 'Sign out' }).click();
    await page.waitForURL(`${base}/`);
    expect(cspViolations).toEqual([]);
  });

  it('fits a laptop screen', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.goto(`${base}/`);
    await page.locator('#live-state.on').waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1366);
    await page.screenshot({ path: `${SHOTS}/run-laptop.png` });
  });
});
