import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import type { HydraEvent, HydraEventOf } from '../../src/events/catalog.ts';
import { plotTypeSpecSchema } from '../../src/events/plottype.ts';
import { ActiveModels } from '../../src/inference/active-models.ts';
import { InferenceWorker } from '../../src/inference/worker.ts';
import { Ingestor } from '../../src/ingest/ingest.ts';
import { PlotTypeCache } from '../../src/plottypes/cache.ts';
import { addUser } from '../support/accounts.ts';
import { meta } from '../support/events.ts';
import { eventsAfter, lastSeq, openHttpEnv, type HttpEnv } from '../support/http.ts';
import { tempDirs } from '../support/ingest.ts';
import { trainAndActivate } from '../support/model.ts';
import { until } from '../support/wait.ts';

const SHOTS = process.env.HYDRA_SCREENSHOTS
  ? path.resolve(process.env.HYDRA_SCREENSHOTS)
  : mkdtempSync(path.join(os.tmpdir(), 'hydra-thresholds-shots-'));
const PLOT = 'FCAL_occupancy';
const spec = plotTypeSpecSchema.parse({
  ...plotTypeSpec(plotTypeInfo(PLOT)!),
  input: { width: 96, height: 72, channels: 3 },
  collectPercent: 0,
});

let h: HttpEnv;
let browser: Browser;
let base = '';
let ingestor: Ingestor;
let plotTypes: PlotTypeCache;
let models: ActiveModels;
let worker: InferenceWorker;
let modelId = '';

/** A real tiny model of FCAL occupancy is active; inference runs beside the pages, as in `hydra up`. */
beforeAll(async () => {
  h = await openHttpEnv('thresholds_e2e', {
    upload: async ({ log, blobs }) => {
      await log.append({ type: 'plottype.defined', metadata: meta, data: spec });
      plotTypes = await PlotTypeCache.open(log);
      const limits = { maxBytes: 20_000_000, maxPixels: 4_000_000 };
      ingestor = new Ingestor(log, blobs, plotTypes, await tempDirs('thresholds'), limits, meta);
      return { ingestor, maxBytes: 20_000_000 };
    },
  });
  ({ modelId } = await trainAndActivate(h.log, h.blobs, spec, { mode: 'dead_crate', perClass: 32, epochs: 8 }));
  await h.caughtUp(await lastSeq(h.log));
  models = new ActiveModels(h.deps.db, h.blobs, h.log);
  models.start();
  worker = new InferenceWorker(h.log, h.blobs, plotTypes, models);
  await worker.start();
  await addUser(h.app, 'fay', [{ role: 'expert', detectors: ['FCAL'] }], 'fay password 1234');
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 420_000); // a real model is trained on 2 cores

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await models?.stop();
  await plotTypes?.close();
  await h?.close();
});

/** Ingests the bytes as a new arrival and waits for inference's verdict on it. */
async function verdictOn(png: Buffer, chunk: number): Promise<HydraEventOf<'inference.completed'>['data']> {
  const seq = await lastSeq(h.log);
  const out = await ingestor.ingest(png, {
    source: `test:${chunk}`,
    fileName: `${PLOT}-${chunk}.png`,
    run: 72000,
    declared: { plotType: PLOT, pad: 0, chunk },
  });
  if (out.kind !== 'arrived') throw new Error(`not ingested: ${out.kind}`);
  const done = await until(async () => {
    const evs: HydraEvent[] = await eventsAfter(h.log, seq);
    return evs.find(
      (e): e is HydraEventOf<'inference.completed'> =>
        e.type === 'inference.completed' && e.data.arrivalId === out.arrivalId,
    );
  }, `the verdict on chunk ${chunk}`);
  return done.data;
}

describe('a model’s thresholds in a browser', () => {
  it('an Expert sees what a new Bad threshold gives before saving it, and later verdicts use it', async () => {
    const bad = (
      await renderPlot({
        plotType: PLOT,
        label: 'Bad',
        seed: 777,
        width: 400,
        height: 300,
        failure: { mode: 'dead_crate', severity: 1 },
      })
    ).png;
    const before = await verdictOn(bad, 1);
    expect(before).toMatchObject({ modelId, verdict: 'Bad', confirmed: true });
    // Just at or above this verdict's confidence: the same plot would no longer be confirmed.
    const t = Math.min(1, Math.ceil(before.confidence * 1000) / 1000);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const url = `/library/models/${modelId}/thresholds`;
    await page.goto(`${base}/signin?next=${encodeURIComponent(url)}`);
    await page.locator('input[name="user"]').fill('fay');
    await page.locator('input[name="password"]').fill('fay password 1234');
    await page.locator('.signin-form button').click();
    await page.waitForURL(`${base}${url}`);
    const seq = await lastSeq(h.log);

    const section = page.locator('.threshold[data-label="Bad"]');
    const tried = (x: number) => section.locator('#effect-Bad th', { hasText: `tried ${x.toFixed(3)}` });
    // Dragging the slider shows its effect, and so does typing a value.
    await section.locator('input[type="range"]').fill('0.2');
    await tried(0.2).waitFor();
    expect(await section.locator('input[type="number"]').inputValue()).toBe('0.2');
    await section.locator('input[type="number"]').fill(String(t));
    await tried(t).waitFor();
    const row = await section.locator('#effect-Bad tbody tr').last().innerText();
    expect(row).toMatch(/tried [\d.]+\s+[\d.]+ %|–/);
    expect(row).toMatch(/of \d+\)/);
    await page.screenshot({ path: `${SHOTS}/thresholds.png`, fullPage: true });
    expect(await eventsAfter(h.log, seq)).toEqual([]); // nothing saved yet

    await section.locator('input[name="comment"]').fill('only sure dead crates');
    await section.locator('button', { hasText: 'Save Bad threshold' }).click();
    await page.locator('.flash', { hasText: `Bad threshold of ${modelId} is now` }).waitFor();
    const events = await eventsAfter(h.log, seq);
    expect(events.map((e) => [e.type, e.metadata.user])).toEqual([['model.thresholds-changed', 'fay']]);
    expect(events[0]!.data).toMatchObject({ modelId, thresholds: { Bad: t } });
    expect(errors).toEqual([]);
    await page.close();

    // Inference took the change from the stream, without a restart: the same plot is now Unconfirmed.
    await until(async () => (await models.forPlotType(PLOT))?.thresholds.Bad === t, 'the new threshold in use');
    const after = await verdictOn(bad, 2);
    expect(after).toMatchObject({ modelId, verdict: 'Bad', confidence: before.confidence, confirmed: false });
  });
  it('an Expert signs off a newly trained model on its report, activates it, and the next verdict is its', async () => {
    const trainingId = 't-e2e-next';
    const next = await trainAndActivate(h.log, h.blobs, spec, {
      mode: 'dead_crate',
      perClass: 32,
      epochs: 8,
      seed: 2,
      trainingId,
      activate: false,
    });
    await h.caughtUp(await lastSeq(h.log));
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const report = `/training/${trainingId}`;
    await page.goto(`${base}/signin?next=${encodeURIComponent(report)}`);
    await page.locator('input[name="user"]').fill('fay');
    await page.locator('input[name="password"]').fill('fay password 1234');
    await page.locator('.signin-form button').click();
    await page.waitForURL(`${base}${report}`);
    await page.locator('input[aria-label="sign-off comment"]').fill('retrained, fine');
    await page.locator('.judge button', { hasText: 'Sign off' }).click();
    await page.locator('.flash', { hasText: 'signed off by fay' }).waitFor();
    await page.locator('a', { hasText: 'activate it in the Library' }).click();
    const card = page.locator(`#model-${next.modelId}`);
    await card.waitFor();
    const below = card.locator('input[name="belowBar"]');
    if (await below.count()) await below.check(); // a tiny model may be under the bar
    await card.locator('button', { hasText: 'Activate' }).click();
    await page.locator('.flash', { hasText: `${next.modelId} is now active (replacing ${modelId})` }).waitFor();
    await page.close();
    await until(async () => (await models.forPlotType(PLOT))?.modelId === next.modelId, 'the new model in use');
    const good = (await renderPlot({ plotType: PLOT, label: 'Good', seed: 778, width: 400, height: 300 })).png;
    expect(await verdictOn(good, 3)).toMatchObject({ modelId: next.modelId });
  }, 300_000);
});
