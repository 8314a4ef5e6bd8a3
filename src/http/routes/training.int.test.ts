import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fact, openHttpEnv, type HttpEnv, eventsAfter, lastSeq } from '../../../test/support/http.ts';
import { signedIn, type Browser } from '../../../test/support/accounts.ts';
import { shaOf } from '../../../test/support/events.ts';
import { trainingRun, valPredictionsJson, type Sample } from '../../../test/support/trainings.ts';
import { currentLabels } from '../../projections/labels/queries.ts';

let h: HttpEnv;
let expert: Browser;
let labeler: Browser;
let viewer: Browser;
const PLOT = 'BCAL_occupancy';
const LABELS = ['Good', 'Bad', 'NoData'];
/** 12 validation images: 2 Good called Bad (0.91, 0.62), 1 Bad called Good (0.55), the rest right. */
const samples: Sample[] = Array.from({ length: 12 }, (_, i) => {
  const imageId = shaOf(`report-${i}`);
  if (i === 0) return { imageId, label: 'Good', probabilities: [0.05, 0.91, 0.04] };
  if (i === 1) return { imageId, label: 'Good', probabilities: [0.3, 0.62, 0.08] };
  if (i === 2) return { imageId, label: 'Bad', probabilities: [0.55, 0.4, 0.05] };
  const label = LABELS[i % 3]!;
  const probabilities = LABELS.map((l) => (l === label ? 0.9 : 0.05));
  return { imageId, label, probabilities };
});
let run: ReturnType<typeof trainingRun>;
let oldRun: ReturnType<typeof trainingRun>;

beforeAll(async () => {
  h = await openHttpEnv('training_report');
  const preds = await h.blobs.put(Buffer.from(valPredictionsJson(LABELS, samples)), 'application/json');
  run = trainingRun(PLOT, 'BCAL_occupancy-20261124-r', { labels: LABELS, samples, valPredictions: preds.sha256 });
  oldRun = trainingRun(PLOT, 'BCAL_occupancy-20261101-o', { labels: LABELS, samples });
  await h.append([
    fact.plotType(PLOT, 'BCAL'),
    ...samples.map((s, i) => fact.arrived(s.imageId, PLOT, 7000, i, '2026-11-24T08:00:00Z')),
    ...samples.map((s) => ({
      type: 'label.assigned' as const,
      metadata: { correlationId: 'x', producer: 'test' },
      data: { imageId: s.imageId, plotType: PLOT, label: s.label, user: 'importer' },
    })),
    ...run.events,
    ...oldRun.events,
  ]);
  expert = await signedIn(h.app, 'bcal-expert', [{ role: 'expert', detectors: ['BCAL'] }]);
  labeler = await signedIn(h.app, 'crew', 'labeler');
  viewer = await signedIn(h.app, 'vic', 'viewer');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const cards = (body: string) =>
  [...body.matchAll(/class="report-card[^"]*" data-image="([0-9a-f]{64})"/g)].map((m) => m[1]);
const posts = (body: string) => [...body.matchAll(/<form method="post" action="(\/training[^"]*)"/g)].map((m) => m[1]);
const url = () => `/training/${run.trainingId}`;

describe('the training report', () => {
  it('shows the metrics, each matrix cell with its count and confidence histogram, and the misclassified cards', async () => {
    const res = await viewer.get(url());
    expect(res.statusCode).toBe(200);
    const b = res.body;
    expect(b).toContain('Confusion matrix');
    // Good called Bad: 2 images, confidences 0.91 and 0.62 in bins 9 and 6.
    const cell = /data-cell="Good:Bad"[^>]*><span class="count">(\d+)<\/span>(<svg[\s\S]*?<\/svg>)/.exec(b)!;
    expect(cell[1]).toBe('2');
    const bins = [...cell[2]!.matchAll(/confidence ([\d.]+)–[\d.]+: (\d+)/g)].filter((m) => m[2] !== '0');
    expect(bins.map((m) => [m[1], m[2]])).toEqual([
      ['0.6', '1'],
      ['0.9', '1'],
    ]);
    // The misclassified cards, most confidently wrong first, with every label's score.
    expect(cards(b)).toEqual([samples[0]!.imageId, samples[1]!.imageId, samples[2]!.imageId]);
    expect(b).toMatch(/<span class="score-name">Bad<\/span>.*?<span class="score-value">0\.91<\/span>/s);
    expect(b).toContain('accuracy <strong>75%</strong>');
    expect(posts(b)).toEqual([]); // a Viewer reads it only
  });

  it('lists exactly the images of a clicked cell, and refuses half a cell', async () => {
    const res = await viewer.get(`${url()}?true=NoData&predicted=NoData`);
    const section = res.body.slice(res.body.indexOf('id="cell"'), res.body.indexOf('class="misclassified"'));
    const expected = samples.filter((s, i) => i > 2 && s.label === 'NoData').map((s) => s.imageId);
    expect(cards(section).sort()).toEqual(expected.sort());
    expect(section).toContain(`True NoData, predicted NoData: ${expected.length} images`);
    expect((await viewer.get(`${url()}?true=Good`)).statusCode).toBe(400);
  });

  it('lists only the misclassified images of a run that kept no per-image predictions', async () => {
    const res = await viewer.get(`/training/${oldRun.trainingId}?true=Good&predicted=Good`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('kept no per-image predictions');
    expect(cards(res.body)).toEqual([samples[0]!.imageId, samples[1]!.imageId, samples[2]!.imageId]);
  });

  it('relabels a card as the Labeler’s apply does, with a note that it came from the report', async () => {
    const page = await labeler.get(url());
    expect(posts(page.body)).toContain(`/training/${run.trainingId}/relabel`);
    expect(posts(page.body)).not.toContain(`/training/${run.trainingId}/signoff`);
    const batch = /name="batch" value="([0-9a-f-]{36})"/.exec(page.body)![1]!;
    const seq = await lastSeq(h.log);
    const form = { image: samples[0]!.imageId, label: 'Bad', batch };
    const res = await labeler.post(`${url()}/relabel`, form);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.body).toContain('now: <strong>Bad</strong> <span class="muted">by crew</span>');
    expect((await labeler.post(`${url()}/relabel`, form)).statusCode).toBe(200); // a retry stores nothing
    const events = (await eventsAfter(h.log, seq)).filter((e) => e.type === 'label.assigned');
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({
        imageId: samples[0]!.imageId,
        label: 'Bad',
        user: 'crew',
        batch,
        comment: `relabelled from training report ${run.trainingId}`,
      }),
    ]);
    expect((await currentLabels(h.deps.db, [samples[0]!.imageId])).get(samples[0]!.imageId)?.label).toBe('Bad');
    // Only validation images of this run, and only the plot type's labels.
    const other = await labeler.post(`${url()}/relabel`, { ...form, image: shaOf('elsewhere') });
    expect(other.statusCode).toBe(400);
    expect((await labeler.post(`${url()}/relabel`, { ...form, label: 'Cosmic' })).statusCode).toBe(400);
    expect((await viewer.post(`${url()}/relabel`, form)).statusCode).toBe(403);
  });

  it('lets an Expert of the detector sign the model off with a comment, in their name', async () => {
    expect((await labeler.post(`${url()}/signoff`, {})).statusCode).toBe(403);
    const seq = await lastSeq(h.log);
    const res = await expert.post(`${url()}/signoff`, { comment: 'the two Good→Bad were mislabelled' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.body).toContain('activate it in the Library');
    const [e] = (await eventsAfter(h.log, seq)).filter((x) => x.type === 'model.signed-off');
    expect(e?.metadata.user).toBe('bcal-expert');
    expect(e?.data).toMatchObject({
      modelId: run.modelId,
      user: 'bcal-expert',
      comment: 'the two Good→Bad were mislabelled',
    });
    expect(posts(res.body)).not.toContain(`/training/${run.trainingId}/signoff`);
  });

  it('lets an Expert reject a model with a comment: it is retired, the reason names the report', async () => {
    const seq = await lastSeq(h.log);
    const empty = await expert.post(`/training/${oldRun.trainingId}/reject`, { comment: '' });
    expect(empty.statusCode).toBe(400);
    const res = await expert.post(`/training/${oldRun.trainingId}/reject`, { comment: 'trained on the old labels' });
    expect(res.statusCode).toBe(200);
    const [e] = (await eventsAfter(h.log, seq)).filter((x) => x.type === 'model.retired');
    expect(e?.data).toMatchObject({
      modelId: oldRun.modelId,
      user: 'bcal-expert',
      reason: `rejected in training report ${oldRun.trainingId}: trained on the old labels`,
    });
    const again = await expert.post(`/training/${oldRun.trainingId}/signoff`, {});
    expect(again.statusCode).toBe(409);
  });
});

describe('live progress while a run trains', () => {
  const RUNNING = 'BCAL_occupancy-20261124-live';
  const progress = (epoch: number) => ({
    type: 'training.progress' as const,
    metadata: { correlationId: 'x', producer: 'test' },
    data: {
      trainingId: RUNNING,
      plotType: PLOT,
      epoch,
      epochs: 10,
      loss: 0.5 / epoch,
      valAccuracy: 0.7,
      valBalancedAccuracy: 0.65,
      imagesPerSecond: 120.4,
    },
  });

  it('polls the fragment of a running run, with epoch n of N, its metrics and speed, readable by a Viewer', async () => {
    const requested = trainingRun(PLOT, RUNNING, { labels: LABELS, samples, epochs: 10 }).events[0]!;
    await h.append([requested, progress(1), progress(2)]);
    const res = await viewer.get(`/training/${RUNNING}/progress`, { 'hx-request': 'true' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['hx-refresh']).toBeUndefined();
    const b = res.body;
    expect(b).toMatch(/^<div id="training-progress"[^>]* hx-get="\/training\/[^"]+\/progress" hx-trigger="every 2s"/);
    expect(b).toContain('epoch <strong class="epoch">2</strong> of 10');
    expect(b).toContain('validation accuracy 70%');
    expect(b).toContain('balanced 65%');
    expect(b).toContain('120 images/s');
    expect(b).toContain('left');
    expect(b).toContain('<svg');
    // The report embeds the same block; the Library's row polls its own fragment.
    expect((await viewer.get(`/training/${RUNNING}`)).body).toContain(`hx-get="/training/${RUNNING}/progress"`);
    const row = await viewer.get(`/training/${RUNNING}/row`, { 'hx-request': 'true' });
    expect(row.body).toMatch(/^<tr class="run-running"[^>]* hx-trigger="every 2s"/);
    expect(row.body).not.toContain('<form'); // a Viewer may not cancel
  });

  it('renders a finished run without a trigger and has htmx reload the page', async () => {
    const res = await viewer.get(`/training/${run.trainingId}/progress`, { 'hx-request': 'true' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['hx-refresh']).toBe('true');
    expect(res.body).toContain('id="training-progress"');
    expect(res.body).not.toContain('hx-trigger');
    const row = await viewer.get(`/training/${run.trainingId}/row`, { 'hx-request': 'true' });
    expect(row.body).not.toContain('hx-trigger');
    expect(row.headers['hx-refresh']).toBe('true');
    expect((await viewer.get(`/training/${run.trainingId}`)).body).not.toContain('id="training-progress"');
  });

  it('answers 404 for an unknown run', async () => {
    expect((await viewer.get('/training/nope-1/progress')).statusCode).toBe(404);
  });
});
