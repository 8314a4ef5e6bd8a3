import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fact, openHttpEnv, type HttpEnv, eventsAfter, lastSeq } from '../../../test/support/http.ts';
import { signedIn, type Browser } from '../../../test/support/accounts.ts';
import { shaOf } from '../../../test/support/events.ts';
import { trainingRun, valPredictionsJson, type Sample } from '../../../test/support/trainings.ts';
import { modelRow } from '../../projections/models/queries.ts';

let h: HttpEnv;
let expert: Browser;
let viewer: Browser;
const PLOT = 'BCAL_occupancy';
/** P(Bad) of 4 Bad images (one called Good) and 4 Good ones (one called Bad at 0.6). */
const bad = [0.95, 0.8, 0.55, 0.3];
const good = [0.1, 0.15, 0.48, 0.6];
const samples: Sample[] = [
  ...bad.map((p, i) => ({ imageId: shaOf(`thr-bad-${i}`), label: 'Bad', probabilities: [1 - p, p] })),
  ...good.map((p, i) => ({ imageId: shaOf(`thr-good-${i}`), label: 'Good', probabilities: [1 - p, p] })),
];
let run: ReturnType<typeof trainingRun>;

beforeAll(async () => {
  h = await openHttpEnv('thresholds');
  const preds = await h.blobs.put(Buffer.from(valPredictionsJson(['Good', 'Bad'], samples)), 'application/json');
  run = trainingRun(PLOT, 'BCAL_occupancy-20261203-t', { samples, valPredictions: preds.sha256 });
  await h.append([fact.plotType(PLOT, 'BCAL'), ...run.events]);
  expert = await signedIn(h.app, 'bcal-expert', [{ role: 'expert', detectors: ['BCAL'] }]);
  viewer = await signedIn(h.app, 'vic', 'viewer');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const url = () => `/library/models/${run.modelId}/thresholds`;
const cells = (b: string, row: string) => {
  const m = new RegExp(
    `<th scope="row">${row}</th><td class="precision">([^<]*)</td><td class="recall">([^<]*)</td><td class="unconfirmed">([^<]*) <span class="muted">\\((\\d+) of (\\d+)\\)`,
  ).exec(b);
  return m ? m.slice(1) : null;
};

describe('a model’s thresholds', () => {
  it('shows what a tried threshold gives on validation before anything is saved', async () => {
    // Good's threshold from training is 0.3 (best F1), so no Good verdict here is Unconfirmed.
    expect(run.evaluation.thresholds.Good).toBeCloseTo(0.3);
    const res = await expert.get(`${url()}?label=Bad&threshold=0.65`, { 'hx-request': 'true' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/^<div class="threshold-effect" id="effect-Bad"/); // the fragment htmx swaps
    // Above 0.6: the Good image called Bad and the Bad one at 0.55 become Unconfirmed.
    expect(cells(res.body, 'tried 0.650')).toEqual(['100.0 %', '50.0 %', '25.0 %', '2', '8']);
    const page = await viewer.get(url());
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('aria-label="precision and recall of Bad over its threshold"');
    expect(page.body).not.toContain('<form method="post"'); // a Viewer looks only
    expect((await modelRow(h.deps.db, run.modelId))!.thresholds.Bad).toBe(run.evaluation.thresholds.Bad);
  });

  it('saves a threshold as an event in the Expert’s name; the page shows it saved', async () => {
    const seq = await lastSeq(h.log);
    const res = await expert.post(url(), { label: 'Bad', threshold: '0.65', comment: 'fewer false alarms' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Bad threshold of');
    const events = (await eventsAfter(h.log, seq)).filter((e) => e.type === 'model.thresholds-changed');
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.metadata.user).toBe('bcal-expert');
    expect(e.data).toMatchObject({
      modelId: run.modelId,
      user: 'bcal-expert',
      thresholds: { Good: run.evaluation.thresholds.Good, Bad: 0.65 },
      previous: run.evaluation.thresholds,
      comment: 'fewer false alarms',
    });
    expect((await modelRow(h.deps.db, run.modelId))!.thresholds.Bad).toBe(0.65);
    expect(cells(res.body, 'saved 0.650')).toEqual(['100.0 %', '50.0 %', '25.0 %', '2', '8']);
    // The same again stores nothing.
    const seq2 = await lastSeq(h.log);
    await expert.post(url(), { label: 'Bad', threshold: '0.65' });
    expect(await eventsAfter(h.log, seq2)).toEqual([]);
  });

  it('refuses a Viewer, an unknown label and a threshold out of range, naming the field', async () => {
    const seq = await lastSeq(h.log);
    expect((await viewer.post(url(), { label: 'Bad', threshold: '0.7' })).statusCode).toBe(403);
    const label = await expert.post(url(), { label: 'Meh', threshold: '0.7' });
    expect(label.statusCode).toBe(400);
    expect(label.body).toMatch(/label/);
    const one = await expert.post(url(), { label: 'Bad', threshold: '1.5' });
    expect(one.statusCode).toBe(400);
    expect(one.body).toMatch(/threshold/);
    expect((await expert.get(`${url()}?label=Bad`)).statusCode).toBe(400);
    expect((await expert.get('/library/models/nope/thresholds')).statusCode).toBe(404);
    expect(await eventsAfter(h.log, seq)).toEqual([]);
  });
});
