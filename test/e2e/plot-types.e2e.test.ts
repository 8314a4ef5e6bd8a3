import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import type { HydraEventOf } from '../../src/events/catalog.ts';
import { plotTypeSpecSchema } from '../../src/events/plottype.ts';
import { ActiveModels } from '../../src/inference/active-models.ts';
import { InferenceWorker } from '../../src/inference/worker.ts';
import { PlotTypeCache } from '../../src/plottypes/cache.ts';
import { addUser } from '../support/accounts.ts';
import { meta } from '../support/events.ts';
import { eventsAfter, fact, lastSeq, openHttpEnv, type HttpEnv } from '../support/http.ts';
import { trainAndActivate } from '../support/model.ts';
import { until } from '../support/wait.ts';

const SHOTS = process.env.HYDRA_SCREENSHOTS
  ? path.resolve(process.env.HYDRA_SCREENSHOTS)
  : mkdtempSync(path.join(os.tmpdir(), 'hydra-plot-types-shots-'));
const PLOT = 'FCAL_occupancy';

let h: HttpEnv;
let browser: Browser;
let plotTypes: PlotTypeCache;
let models: ActiveModels;
let worker: InferenceWorker;
let base = '';
const pageErrors: string[] = [];
let chunk = 0;

/** A new arrival of a generated FCAL plot, as ingest appends it; its arrival id. */
async function arrive(seed: number): Promise<string> {
  const png = (await renderPlot({ plotType: PLOT, label: 'Good', seed, width: 400, height: 300 })).png;
  const imageId = (await h.blobs.put(png)).sha256;
  await h.append([fact.arrived(imageId, PLOT, 101090, ++chunk, new Date().toISOString())]);
  return imageId;
}

/** The verdict on an arrival, once inference appended it. */
async function verdictOf(arrivalId: string, after: number): Promise<HydraEventOf<'inference.completed'>> {
  return until(
    async () =>
      (await eventsAfter(h.log, after)).find(
        (e): e is HydraEventOf<'inference.completed'> =>
          e.type === 'inference.completed' && e.data.arrivalId === arrivalId,
      ),
    `the verdict on ${arrivalId}`,
  );
}

beforeAll(async () => {
  h = await openHttpEnv('plot_types_e2e');
  const spec = plotTypeSpecSchema.parse({
    ...plotTypeSpec(plotTypeInfo(PLOT)!),
    input: { width: 64, height: 48, channels: 3 },
    collectPercent: 0,
  });
  await h.append([{ type: 'plottype.defined', metadata: meta, data: spec }]);
  plotTypes = await PlotTypeCache.open(h.log);
  await trainAndActivate(h.log, h.blobs, spec, { mode: 'dead_crate', perClass: 16, epochs: 2 });
  models = new ActiveModels(h.env.database.db, h.blobs, h.log);
  models.start();
  await until(async () => (await models.forPlotType(PLOT)) ?? undefined, 'the active model');
  worker = new InferenceWorker(h.log, h.blobs, plotTypes, models);
  await worker.start();
  // An image waiting for a plot type nobody defined, for the list's screenshot.
  const waiting = (await renderPlot({ plotType: 'TOF_paddles', label: 'Good', seed: 3, width: 400, height: 300 })).png;
  const waitingId = (await h.blobs.put(waiting)).sha256;
  await h.append([
    {
      type: 'image.unassigned',
      metadata: meta,
      data: {
        imageId: waitingId,
        plotName: 'TOF_paddles',
        source: 'inbox/TOF_paddles-01_0007.png',
        keptPath: '/var/unassigned/TOF_paddles/x.png',
        arrivedAt: new Date().toISOString(),
      },
    },
  ]);
  await addUser(h.app, 'ada', 'admin', 'ada password 1234');
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 420_000); // a real (tiny) model is trained on 2 shared cores

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await models?.stop();
  await plotTypes?.close();
  await h?.close();
});

async function signIn(next: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${base}/signin?next=${encodeURIComponent(next)}`);
  await page.locator('input[name="user"]').fill('ada');
  await page.locator('input[name="password"]').fill('ada password 1234');
  await page.locator('.signin-form button').click();
  await page.waitForURL(`${base}${next}`);
  return page;
}

describe('the plot-type admin in a browser', () => {
  it('a mask drawn on a recent image is applied by the preprocessing of the next image of that type', async () => {
    // Before: a verdict on the unmasked image.
    const start = await lastSeq(h.log);
    const before = await verdictOf(await arrive(11), start);
    expect(before.data.masks).toBeUndefined();

    const page = await signIn('/admin/plot-types');
    await page.locator('.waiting-card img').waitFor();
    await page.screenshot({ path: `${SHOTS}/plot-types.png`, fullPage: true });
    await page.locator(`a[href="/admin/plot-types/${PLOT}"]`).click();
    await page.waitForURL(`${base}/admin/plot-types/${PLOT}`);
    const img = page.locator('#mask-canvas img');
    await page.waitForFunction('document.querySelector("#mask-canvas img")?.naturalWidth > 0');
    const box = (await img.boundingBox())!;
    // Drag across the top-left quarter of the plot: 0..200 x 0..150 in the image's own pixels.
    await page.mouse.move(box.x + 1, box.y + 1);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 4, box.y + box.height / 4, { steps: 5 });
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.locator('.mask-layer .mask-rect').count()).toBe(1);
    const drawn = await Promise.all(
      ['x', 'y', 'width', 'height'].map(async (k) =>
        Number(await page.locator(`input[name="masks.0.${k}"]`).inputValue()),
      ),
    );
    expect(drawn[0]).toBeLessThanOrEqual(2);
    expect(drawn[1]).toBeLessThanOrEqual(2);
    expect(drawn[2]).toBeGreaterThan(190);
    expect(drawn[3]).toBeGreaterThan(140);
    await page.locator('input[name="masks.0.reason"]').fill('legend box');
    await page.screenshot({ path: `${SHOTS}/plot-type-mask.png`, fullPage: true });
    const saved = await lastSeq(h.log);
    await page.locator('button[type="submit"]', { hasText: 'Save changes' }).click();
    await page.locator('.flash', { hasText: `Saved ${PLOT} (masks) as ada.` }).waitFor();
    const updated = (await eventsAfter(h.log, saved)).filter((e) => e.type === 'plottype.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]!.metadata.user).toBe('ada');
    const [x, y, width, height] = drawn as [number, number, number, number];
    expect(updated[0]!.data.masks).toEqual([{ x, y, width, height, reason: 'legend box' }]);

    // The next image of that type: inference blanked the mask before the model saw it, and its verdict says so.
    await until(() => (plotTypes.get(PLOT)?.masks.length ?? 0) > 0, 'the mask in the plot types inference reads');
    const after = await arrive(12);
    const verdict = await verdictOf(after, saved);
    expect(verdict.data.masks).toEqual([{ x, y, width, height }]);
    await h.caughtUp(await lastSeq(h.log));
    await page.goto(`${base}/images/${after}`);
    expect(await page.locator('.facts').textContent()).toContain(`Maskedx ${x} y ${y} ${width}×${height}`);
    await page.screenshot({ path: `${SHOTS}/detail-masked.png` });
    expect(pageErrors).toEqual([]);
  });

  it('shows a bad field beside that field, and changes nothing', async () => {
    const page = await signIn(`/admin/plot-types/${PLOT}`);
    const seq = await lastSeq(h.log);
    await page.locator('input[name="input.width"]').fill('4');
    await page.locator('input[name="labels.0.name"]').fill('no spaces allowed');
    await page.locator('button[type="submit"]', { hasText: 'Save changes' }).click();
    await page.locator('.flash.bad').waitFor();
    expect(await page.locator('label:has(input[name="input.width"]) .field-problem').textContent()).toContain('>=8');
    expect(await page.locator('tr:has(input[name="labels.0.name"]) .field-problem').textContent()).toContain(
      'labels.0.name',
    );
    await page.screenshot({ path: `${SHOTS}/plot-type-problems.png`, fullPage: true });
    expect(await lastSeq(h.log)).toBe(seq);
  });

  it("offers the Library's Import ONNX form to an Admin", async () => {
    const page = await signIn(`/library?plot=${PLOT}`);
    await page.locator('details.import-model summary').click();
    await page.locator('details.import-model input[type="file"]').waitFor();
    await page.locator('details.import-model').screenshot({ path: `${SHOTS}/library-import.png` });
    expect(pageErrors).toEqual([]);
  });
});
