import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import { BackfillWorker } from '../../src/backfill/worker.ts';
import { arrivalIdOf } from '../../src/events/image.ts';
import type { AnyNewEvent } from '../../src/events/log.ts';
import { plotTypeSpecSchema } from '../../src/events/plottype.ts';
import { addUser } from '../support/accounts.ts';
import { meta } from '../support/events.ts';
import { eventsAfter, lastSeq, openHttpEnv, type HttpEnv } from '../support/http.ts';
import { trainAndActivate } from '../support/model.ts';

const SHOTS = process.env.HYDRA_SCREENSHOTS
  ? path.resolve(process.env.HYDRA_SCREENSHOTS)
  : mkdtempSync(path.join(os.tmpdir(), 'hydra-backfill-shots-'));
const PLOT = 'FCAL_occupancy';
const spec = plotTypeSpecSchema.parse({
  ...plotTypeSpec(plotTypeInfo(PLOT)!),
  input: { width: 96, height: 72, channels: 3 },
  collectPercent: 0,
});

let h: HttpEnv;
let browser: Browser;
let base = '';
let worker: BackfillWorker | null = null;
let candidate = '';
let dead = 0;

/**
 * An active model that missed dead crates (its verdicts below say Good on them) and a retrained candidate: runs
 * 72100–72104 of FCAL were stored, a few of them with a dead crate.
 */
beforeAll(async () => {
  h = await openHttpEnv('backfill_e2e');
  await h.append([{ type: 'plottype.defined', metadata: meta, data: spec }]);
  const old = await trainAndActivate(h.log, h.blobs, spec, { mode: 'dead_crate', perClass: 8, epochs: 1, seed: 5 });
  ({ modelId: candidate } = await trainAndActivate(h.log, h.blobs, spec, {
    mode: 'dead_crate',
    perClass: 32,
    epochs: 8,
    activate: false,
  }));
  const events: AnyNewEvent[] = [];
  for (let run = 72100; run <= 72104; run++)
    for (let i = 0; i < 6; i++) {
      const bad = (run + i) % 5 === 0;
      if (bad) dead++;
      const { png } = await renderPlot({
        plotType: PLOT,
        label: bad ? 'Bad' : 'Good',
        seed: run * 10 + i,
        width: 400,
        height: 300,
        run,
        ...(bad ? { failure: { mode: 'dead_crate', severity: 1 } } : {}),
      });
      const { sha256: imageId } = await h.blobs.put(png, 'image/png');
      const arrivalId = arrivalIdOf({ plotType: PLOT, run, chunk: i, pad: 1, imageId });
      const arrivedAt = new Date(Date.UTC(2026, 10, 21, 8, (run - 72100) * 10 + i)).toISOString();
      const good = 0.7 + 0.05 * (i % 4);
      events.push(
        {
          type: 'image.arrived',
          metadata: meta,
          data: {
            arrivalId,
            imageId,
            plotType: PLOT,
            run,
            chunk: i,
            pad: 1,
            arrivedAt,
            width: 400,
            height: 300,
            bytes: png.length,
            source: `${PLOT}-01_${String(i).padStart(4, '0')}.png`,
          },
        },
        {
          type: 'inference.completed',
          metadata: meta,
          data: {
            arrivalId,
            imageId,
            plotType: PLOT,
            modelId: old.modelId,
            scores: { Good: good, Bad: Math.round((1 - good) * 1000) / 1000 },
            verdict: 'Good',
            confidence: good,
            confirmed: true,
            timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
          },
        },
      );
    }
  await h.append(events);
  await addUser(h.app, 'fay', [{ role: 'expert', detectors: ['FCAL'] }], 'fay password 1234');
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 420_000); // real models are trained on 2 cores

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await h?.close();
});

describe('running a candidate model over history in a browser', () => {
  it('an Expert asks from the Library and watches the backfill page fill in, changed verdicts first', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const library = `/library?plot=${PLOT}`;
    await page.goto(`${base}/signin?next=${encodeURIComponent(library)}`);
    await page.locator('input[name="user"]').fill('fay');
    await page.locator('input[name="password"]').fill('fay password 1234');
    await page.locator('.signin-form button').click();
    await page.waitForURL(`${base}${library}`);
    const seq = await lastSeq(h.log);

    const form = page.locator(`#model-${candidate} details.backfill-form`);
    await form.locator('summary').click();
    await form.locator('input[name="runFrom"]').fill('72100');
    await form.locator('input[name="runTo"]').fill('72104');
    await form.locator('button[type="submit"]').click();
    await page.waitForURL(/\/backfills\//);
    // No worker yet: the page says so, and keeps asking.
    await page.locator('.backfill-progress', { hasText: 'waiting for a backfill worker' }).waitFor();
    worker = new BackfillWorker({ log: h.log, db: h.env.database.db, blobs: h.blobs, say: () => undefined });
    await worker.start();
    await page.locator('.backfill-summary').waitFor({ timeout: 60_000 });

    const requested = (await eventsAfter(h.log, seq)).filter((e) => e.type === 'backfill.requested');
    expect(requested.map((e) => [e.metadata.user, (e.data as { modelId: string }).modelId])).toEqual([
      ['fay', candidate],
    ]);
    const cards = page.locator('.backfill-card');
    expect(await cards.count()).toBe(30);
    const flags = await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-changed')));
    const changed = flags.filter((f) => f === 'true').length;
    expect(flags).toEqual([...Array(changed).fill('true'), ...Array(30 - changed).fill('false')]);
    expect(changed).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/backfill.png` });
    // A cell of the had → now matrix lists its arrivals.
    const cell = page.locator('table.backfill-changes td.miss a').first();
    const n = Number(await cell.innerText());
    await cell.click();
    await page.waitForURL(/had=/);
    expect(await page.locator('.backfill-card').count()).toBe(n);
    expect(dead).toBeGreaterThan(0);
    expect(errors).toEqual([]);

    await page.goto(`${base}${library}`);
    await page.locator('table.backfills tr.backfill-completed').waitFor();
  });
});
