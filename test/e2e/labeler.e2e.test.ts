import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AnyNewEvent } from '../../src/events/log.ts';
import { labelledImages } from '../../src/projections/labels/queries.ts';
import { addUser } from '../support/accounts.ts';
import { meta } from '../support/events.ts';
import { fact, labelsNow, openHttpEnv, type HttpEnv } from '../support/http.ts';
import { plotPng } from '../support/images.ts';

// Screenshots go to a scratch folder unless HYDRA_SCREENSHOTS names one.
const SHOTS = process.env.HYDRA_SCREENSHOTS
  ? path.resolve(process.env.HYDRA_SCREENSHOTS)
  : mkdtempSync(path.join(os.tmpdir(), 'hydra-labeler-shots-'));
const PLOT = 'CDC_occupancy';
const UNBIASED = 230;

let h: HttpEnv;
let browser: Browser;
let page: Page;
let base = '';
const pageErrors: string[] = [];

/** 230 images in the unbiased sample, each with a model verdict the page must not show there; 20 confirmed Bad. */
beforeAll(async () => {
  h = await openHttpEnv('labeler_e2e');
  const t0 = Date.now() - 3 * 3600_000;
  const events: AnyNewEvent[] = [fact.plotType(PLOT, 'CDC', { title: 'CDC straw occupancy' })];
  for (let i = 0; i < UNBIASED + 20; i++) {
    const bad = i % 7 === 3;
    const id = (await h.blobs.put(await plotPng(i, { bad, width: 200, height: 150 }))).sha256;
    events.push(fact.arrived(id, PLOT, 101070 + Math.floor(i / 100), i, new Date(t0 + i * 30_000).toISOString()));
    events.push(fact.verdict(id, PLOT, bad ? 'Bad' : 'Good', bad ? 0.97 : 0.03));
    const reason = i < UNBIASED ? 'unbiased' : 'bad';
    events.push({ type: 'image.sampled', metadata: meta, data: { imageId: id, plotType: PLOT, reason } });
  }
  await h.append(events);
  await addUser(h.app, 'lena', 'labeler', 'lena password 123');
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const selected = () =>
  page.evaluate(`[...document.querySelectorAll('#lab-grid .lt.sel')].map((t) => t.dataset.id)`) as Promise<string[]>;

/** Keyboard and shift-click only: space marks the first tile, shift-click the 100th, a number picks the label. */
async function labelHundred(key: string): Promise<string[]> {
  await page.keyboard.press(key);
  await page.keyboard.press('Space');
  await page.locator('#lab-grid .lt[data-i="99"]').click({ modifiers: ['Shift'] });
  const chosen = await selected();
  expect(chosen).toHaveLength(100);
  // The bar that stays on screen says what Enter will do.
  expect(await page.locator('#lab-armed').innerText()).toMatch(/^Enter labels (Good|Bad) · 100 selected$/);
  await page.keyboard.press('Enter');
  return chosen;
}

describe('the Labeler in a browser', () => {
  it('labels 200 images of the unbiased queue with keys and shift-click, unseen verdicts, and undoes the last batch', async () => {
    await page.goto(`${base}/signin?next=/labeler`);
    await page.locator('input[name="user"]').fill('lena');
    await page.locator('input[name="password"]').fill('lena password 123');
    await page.locator('.signin-form button').click();
    await page.waitForURL(`${base}/labeler`);
    await page.locator('#lab-grid .lt').first().waitFor();
    expect(await page.locator('#lab-grid .lt').count()).toBe(200);
    // The model's verdict is nowhere on the unbiased queue's page, not even in its markup.
    const html = await page.content();
    expect(html).not.toContain('lt-verdict');
    expect(html).not.toContain('97%');
    await page.screenshot({ path: `${SHOTS}/labeler-unbiased.png` });

    // No label is picked until she picks one: Enter with a selection applies nothing and says why.
    expect(await page.locator('.pal[aria-pressed="true"]').count()).toBe(0);
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
    await page.locator('.lab-selected', { hasText: 'Pick a label first' }).waitFor();
    await page.keyboard.press('Escape');

    const bad = await labelHundred('2');
    await page.locator('.lab-note', { hasText: 'Labelled 100 images Bad' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#lab-grid .lt').count()).toBe(UNBIASED - 100);
    const good = await labelHundred('1');
    await page.locator('.lab-note', { hasText: 'Labelled 100 images Good' }).waitFor({ timeout: 15_000 });
    expect(await page.content()).not.toContain('lt-verdict');
    expect(await page.locator('#lab-armed').innerText()).toBe('Enter labels Good');
    expect(await page.locator('#lab-session').getAttribute('data-labels')).toBe('200');
    await page.screenshot({ path: `${SHOTS}/labeler-after-apply.png` });

    const db = h.env.database.db;
    const labels = await labelsNow(h, [...bad, ...good]);
    const stored = await labelledImages(db, PLOT);
    expect(stored).toHaveLength(200);
    expect(new Set(bad.map((id) => labels.get(id)?.label))).toEqual(new Set(['Bad']));
    expect(new Set(good.map((id) => labels.get(id)?.label))).toEqual(new Set(['Good']));
    expect(new Set([...labels.values()].map((l) => l.user))).toEqual(new Set(['lena']));

    await page.keyboard.press('u');
    await page.locator('.lab-note', { hasText: 'Undone: 100 labels withdrawn' }).waitFor({ timeout: 15_000 });
    const after = await labelsNow(h, [...bad, ...good]);
    expect([...after.keys()].sort()).toEqual([...bad].sort());
    expect(await page.locator('#lab-grid .lt').count()).toBe(UNBIASED - 100);
    expect(await page.locator('#lab-session').getAttribute('data-labels')).toBe('100');

    // The other queues may show the verdicts.
    await page.goto(`${base}/labeler?plot=${PLOT}&queue=bad&verdicts=show`);
    await page.locator('#lab-grid .lt-verdict').first().waitFor();
    await page.screenshot({ path: `${SHOTS}/labeler-bad-verdicts.png` });
    expect(pageErrors).toEqual([]);
  });

  it('edits: changes a label, shows the image history beside the grid, and withdraws it with r', async () => {
    await page.goto(`${base}/labeler?plot=${PLOT}`);
    await page.locator('.lab-mode a[data-mode="editor"]').click();
    await page.waitForURL(/labelled=only/);
    const first = page.locator('#lab-grid .lt').first();
    const id = (await first.getAttribute('data-id'))!;
    expect(await first.getAttribute('data-label')).toBe('Bad');
    const history = page.locator('#lab-history .lab-history-panel li');
    await history.first().waitFor();
    expect(await history.allInnerTexts()).toEqual([expect.stringMatching(/lena labelled it Bad$/)]);

    // The label picked on the last page is not remembered: Enter applies only a label shown pressed.
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
    await page.locator('.lab-selected', { hasText: 'Pick a label first' }).waitFor();
    // Change it: 1 picks Good, Enter applies to the cursor's image; the page stays.
    await page.keyboard.press('1');
    await page.keyboard.press('Enter');
    await page.locator('.lab-note', { hasText: 'Labelled 1 image Good' }).waitFor({ timeout: 15_000 });
    await page.locator(`#lab-grid .lt[data-id="${id}"][data-label="Good"]`).waitFor();
    await page.locator('#lab-history .lab-history-panel li', { hasText: 'labelled it Good' }).waitFor();
    expect(await history.allInnerTexts()).toEqual([
      expect.stringMatching(/lena labelled it Good$/),
      expect.stringMatching(/lena labelled it Bad$/),
    ]);
    expect((await labelsNow(h, [id])).get(id)).toEqual({ label: 'Good', user: 'lena' });
    expect(await page.locator('#lab-session').getAttribute('data-labels')).toBe('101');
    await page.screenshot({ path: `${SHOTS}/labeler-editor.png` });

    // Withdraw it: r asks first, then label.retracted in her name; the history keeps what it was.
    const before = Number((await h.log.streamInfo()).state.last_seq);
    page.once('dialog', (d) => void d.accept());
    await page.locator(`#lab-grid .lt[data-id="${id}"]`).click();
    await page.keyboard.press('r');
    await page.locator('.lab-note', { hasText: 'Withdrew 1 label' }).waitFor({ timeout: 15_000 });
    expect((await labelsNow(h, [id])).has(id)).toBe(false);
    const withdrawn = [];
    for await (const i of h.log.read({ fromSeq: before + 1 })) if (i.ok) withdrawn.push(i.event);
    expect(withdrawn.map((e) => [e.type, e.metadata.user, e.data])).toEqual([
      ['label.retracted', 'lena', { imageId: id, plotType: PLOT, label: 'Good', user: 'lena' }],
    ]);
    expect(await page.locator(`#lab-grid .lt[data-id="${id}"]`).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
