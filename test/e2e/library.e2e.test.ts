import os from 'node:os';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import type { HydraEvent } from '../../src/events/catalog.ts';
import type { AnyNewEvent } from '../../src/events/log.ts';
import { currentLabels } from '../../src/projections/labels/queries.ts';
import { addUser } from '../support/accounts.ts';
import { meta } from '../support/events.ts';
import { fact, openHttpEnv, type HttpEnv } from '../support/http.ts';
import { trainingRun, valPredictionsJson, type Sample } from '../support/trainings.ts';

// Screenshots go to a scratch folder unless HYDRA_SCREENSHOTS names one.
const SHOTS = process.env.HYDRA_SCREENSHOTS
  ? path.resolve(process.env.HYDRA_SCREENSHOTS)
  : mkdtempSync(path.join(os.tmpdir(), 'hydra-library-shots-'));
const PLOT = 'BCAL_occupancy';
const LABELS = ['Good', 'Bad', 'NoData'];

let h: HttpEnv;
let browser: Browser;
let base = '';
let previous: ReturnType<typeof trainingRun>;
let run: ReturnType<typeof trainingRun>;
let samples: Sample[];
const pageErrors: string[] = [];

/**
 * 30 generated BCAL plots as a run's validation set: the model calls two Good plots Bad (one of them really is Bad:
 * its label was wrong) and one Bad plot Good. An earlier model of the plot type is active.
 */
beforeAll(async () => {
  h = await openHttpEnv('library_e2e');
  const truth = (i: number) => (i % 3 === 0 ? 'Bad' : i % 3 === 1 ? 'Good' : 'NoData');
  samples = [];
  const events: AnyNewEvent[] = [
    {
      type: 'plottype.defined',
      metadata: meta,
      data: { ...plotTypeSpec(plotTypeInfo(PLOT)!), contact: 'bcal@jlab.test' },
    },
  ];
  for (let i = 0; i < 30; i++) {
    // Image 1 is drawn Bad but labelled Good: the model is right, the label is not.
    const drawn = i === 1 ? 'Bad' : truth(i);
    const png = (await renderPlot({ plotType: PLOT, label: drawn, seed: 40 + i, width: 400, height: 300 })).png;
    const imageId = (await h.blobs.put(png)).sha256;
    const label = truth(i);
    const wrong = i === 1 ? 'Bad' : i === 4 ? 'Bad' : i === 3 ? 'Good' : null;
    const confidence = i === 1 ? 0.94 : i === 4 ? 0.58 : 0.66;
    const probabilities: number[] = LABELS.map((l) => (l === (wrong ?? label) ? (wrong ? confidence : 0.92) : 0));
    const rest = (1 - probabilities.reduce((a, b) => a + b, 0)) / 2;
    samples.push({ imageId, label, probabilities: probabilities.map((p) => (p === 0 ? rest : p)) });
    events.push(fact.arrived(imageId, PLOT, 101080, i, new Date(Date.now() - (30 - i) * 60_000).toISOString()));
    events.push({ type: 'label.assigned', metadata: meta, data: { imageId, plotType: PLOT, label, user: 'importer' } });
  }
  const preds = await h.blobs.put(Buffer.from(valPredictionsJson(LABELS, samples)), 'application/json');
  previous = trainingRun(PLOT, 'BCAL_occupancy-20261120-0901', { labels: LABELS, samples, requester: 'sam' });
  run = trainingRun(PLOT, 'BCAL_occupancy-20261203-1412', {
    labels: LABELS,
    samples,
    requester: 'erin',
    epochs: 12,
    parentModel: previous.modelId,
    valPredictions: preds.sha256,
  });
  const by = { ...meta, user: 'sam' };
  events.push(
    ...previous.events,
    { type: 'model.signed-off', metadata: by, data: { modelId: previous.modelId, plotType: PLOT, user: 'sam' } },
    { type: 'model.activated', metadata: by, data: { modelId: previous.modelId, plotType: PLOT, user: 'sam' } },
    ...run.events,
  );
  await h.append(events);
  await addUser(h.app, 'erin', [{ role: 'expert', detectors: ['BCAL'] }], 'erin password 123');
  await addUser(h.app, 'vic', 'viewer', 'vic password 1234');
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function signIn(user: string, password: string, next: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${base}/signin?next=${encodeURIComponent(next)}`);
  await page.locator('input[name="user"]').fill(user);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('.signin-form button').click();
  await page.waitForURL(`${base}${next}`);
  return page;
}

async function eventsAfter(seq: number): Promise<HydraEvent[]> {
  const out: HydraEvent[] = [];
  for await (const i of h.log.read({ fromSeq: seq + 1 })) if (i.ok) out.push(i.event);
  return out;
}
/** Every image on the page has loaded (thumbnails are made on first request). */
const imagesLoaded = (page: Page) =>
  page.waitForFunction('[...document.images].every((i) => i.complete && i.naturalWidth > 0)', undefined, {
    timeout: 30_000,
  });
const lastSeq = async () => Number((await h.log.streamInfo()).state.last_seq);

describe('the Library and the training report in a browser', () => {
  it('an Expert opens the report, relabels a misclassified card, signs the model off and activates it', async () => {
    const seq = await lastSeq();
    const report = `/training/${run.trainingId}`;
    const page = await signIn('erin', 'erin password 123', report);
    const cards = page.locator('.misclassified .report-card');
    expect(await cards.count()).toBe(3);
    await imagesLoaded(page);
    await page.screenshot({ path: `${SHOTS}/training-report.png`, fullPage: true });

    // A cell of the matrix lists exactly its images.
    await page.locator('[data-cell="Good:Bad"]').click();
    await page.locator('#cell h2', { hasText: 'True Good, predicted Bad: 2 images' }).waitFor();
    const cellIds = await page
      .locator('#cell .report-card')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-image')));
    expect(cellIds.sort()).toEqual([samples[1]!.imageId, samples[4]!.imageId].sort());
    await imagesLoaded(page);
    await page.locator('#cell').screenshot({ path: `${SHOTS}/training-report-cell.png` });

    // The most confidently wrong card is a Bad plot labelled Good: relabel it Bad on the spot.
    const card = page.locator(`.misclassified .report-card[data-image="${samples[1]!.imageId}"]`);
    await card.locator('button.label-button', { hasText: 'Bad' }).click();
    await page
      .locator(`.misclassified .report-card[data-image="${samples[1]!.imageId}"] .now-label`, { hasText: 'now: Bad' })
      .waitFor();
    expect((await currentLabels(h.env.database.db, [samples[1]!.imageId])).get(samples[1]!.imageId)).toEqual({
      label: 'Bad',
      user: 'erin',
    });

    await page.locator('input[name="comment"][aria-label="sign-off comment"]').fill('one label was wrong, fixed; fine');
    await page.locator('.judge button', { hasText: 'Sign off' }).click();
    await page.locator('.flash', { hasText: 'signed off by erin' }).waitFor();
    await page.locator('a', { hasText: 'activate it in the Library' }).click();
    await page.waitForURL(/\/library\?plot=BCAL_occupancy/);
    const cardInLibrary = page.locator(`#model-${run.modelId}`);
    await cardInLibrary.locator('button', { hasText: 'Activate' }).click();
    await page.locator('.flash', { hasText: `${run.modelId} is now active (replacing ${previous.modelId})` }).waitFor();
    await page.locator('.active-model', { hasText: run.modelId }).waitFor();
    await page.screenshot({ path: `${SHOTS}/library.png`, fullPage: true });

    const events = (await eventsAfter(seq)).filter((e) => e.type !== 'user.added');
    expect(events.map((e) => [e.type, e.metadata.user])).toEqual([
      ['label.assigned', 'erin'],
      ['model.signed-off', 'erin'],
      ['model.activated', 'erin'],
    ]);
    expect(events[0]?.data).toMatchObject({ comment: `relabelled from training report ${run.trainingId}` });

    await page.goto(`${base}/library?plot=${PLOT}&a=${previous.modelId}&b=${run.modelId}#compare`);
    await page.locator('#compare').screenshot({ path: `${SHOTS}/library-compare.png` });
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('a Viewer sees both pages read-only and gets 403 on every action', async () => {
    const seq = await lastSeq();
    const page = await signIn('vic', 'vic password 1234', `/library?plot=${PLOT}`);
    expect(await page.locator('form[method="post"]:not(.signout)').count()).toBe(0);
    await page.locator(`#model-${run.modelId}`).waitFor();
    await page.goto(`${base}/training/${run.trainingId}`);
    expect(await page.locator('form[method="post"]:not(.signout)').count()).toBe(0);
    expect(await page.locator('.misclassified .report-card').count()).toBe(3);
    const actions = [
      `/training/${run.trainingId}/relabel`,
      `/training/${run.trainingId}/signoff`,
      `/training/${run.trainingId}/reject`,
      '/library/train',
      `/library/models/${previous.modelId}/signoff`,
      `/library/models/${previous.modelId}/activate`,
      `/library/models/${previous.modelId}/retire`,
      '/library/rollback',
    ];
    // Posted from the signed-in page itself, with its CSRF token and origin: only the role is missing.
    const statuses = (await page.evaluate(`(async (urls) => {
      const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
      const out = [];
      for (const u of urls) {
        const res = await fetch(u, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrf },
          body: 'plot=BCAL_occupancy&comment=x',
        });
        out.push(res.status);
      }
      return out;
    })(${JSON.stringify(actions)})`)) as number[];
    expect(statuses).toEqual(actions.map(() => 403));
    expect(await eventsAfter(seq)).toEqual([]);
    await page.close();
  });

  it('shows a run’s progress live on its report and in the Library, then the finished report and its model', async () => {
    const preds = await h.blobs.put(Buffer.from(valPredictionsJson(LABELS, samples)), 'application/json');
    const live = trainingRun(PLOT, 'BCAL_occupancy-20261204-2210', {
      labels: LABELS,
      samples,
      requester: 'erin',
      epochs: 8,
      valPredictions: preds.sha256,
    });
    // As the training worker appends them: the request, an epoch at a time, then the model.
    const steps = live.events.map(
      (e): AnyNewEvent =>
        e.type === 'training.progress'
          ? {
              ...e,
              data: {
                ...e.data,
                valBalancedAccuracy: (e.data as { valAccuracy: number }).valAccuracy - 0.04,
                imagesPerSecond: 212,
              },
            }
          : e,
    );
    await h.append(steps.slice(0, 3)); // requested, epochs 1 and 2
    const report = `/training/${live.trainingId}`;
    const page = await signIn('erin', 'erin password 123', report);
    const library = await signIn('erin', 'erin password 123', `/library?plot=${PLOT}`);
    const row = library.locator(`tr[data-training="${live.trainingId}"]`);
    await row.locator('.epoch', { hasText: /^2$/ }).waitFor();
    await page.locator('#training-progress .epoch', { hasText: /^2$/ }).waitFor();
    // Marks this document: a reload would lose the mark.
    await page.evaluate('window.hydraSameDocument = true');

    await h.append(steps.slice(3, 6)); // epochs 3 to 5
    await page.locator('#training-progress .epoch', { hasText: /^5$/ }).waitFor();
    await row.locator('.epoch', { hasText: /^5$/ }).waitFor();
    expect(await page.evaluate('window.hydraSameDocument === true')).toBe(true);
    await page.locator('#training-progress', { hasText: 'about' }).waitFor();
    expect(await page.locator('#training-progress .curve-box svg').count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/training-report-live.png`, fullPage: true });

    await h.append(steps.slice(6)); // epochs 6 to 8 and the model
    await page.locator('.misclassified .report-card').first().waitFor();
    expect(await page.locator('#training-progress').count()).toBe(0);
    await library.locator(`#model-${live.modelId}`).waitFor();
    expect(await row.count()).toBe(0);
    expect(pageErrors).toEqual([]);
    await page.close();
    await library.close();
  });
});
