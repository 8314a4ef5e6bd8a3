import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fact, openHttpEnv, type HttpEnv, eventsAfter, lastSeq } from '../../../test/support/http.ts';
import { signedIn, type Browser } from '../../../test/support/accounts.ts';
import { shaOf } from '../../../test/support/events.ts';
import { trainingRun } from '../../../test/support/trainings.ts';

let h: HttpEnv;
let expert: Browser;
let otherExpert: Browser;
let viewer: Browser;
const PLOT = 'CDC_occupancy';
const first = trainingRun(PLOT, 'CDC_occupancy-20261120-a', { requester: 'ann' });
const second = trainingRun(PLOT, 'CDC_occupancy-20261121-b', { requester: 'bob', parentModel: first.modelId });
/** Calls everything Good: under the plot type's activation bar. */
const blind = trainingRun(PLOT, 'CDC_occupancy-20261122-c', {
  samples: Array.from({ length: 6 }, (_, i) => ({
    imageId: shaOf(`blind-${i}`),
    label: i < 3 ? 'Good' : 'Bad',
    probabilities: [0.8, 0.2],
  })),
});

beforeAll(async () => {
  h = await openHttpEnv('library_int');
  await h.append([
    fact.plotType(PLOT, 'CDC', { title: 'CDC straw occupancy' }),
    fact.plotType('FCAL_ring', 'FCAL'),
    ...first.events,
    ...second.events,
    ...blind.events,
    {
      type: 'training.failed',
      metadata: { correlationId: 'x', producer: 'test' },
      data: { trainingId: 'CDC_occupancy-20261123-d', plotType: PLOT, code: 'too-few-labels', reason: 'NoData: 2' },
    },
  ]);
  expert = await signedIn(h.app, 'cdc-expert', [{ role: 'expert', detectors: ['CDC'] }]);
  otherExpert = await signedIn(h.app, 'fcal-only', [{ role: 'expert', detectors: ['FCAL'] }]);
  viewer = await signedIn(h.app, 'vic', 'viewer');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const card = (body: string, modelId: string) => {
  const start = body.indexOf(`id="model-${modelId}"`);
  return body.slice(start, body.indexOf('</article>', start));
};
const posts = (body: string) => [...body.matchAll(/<form method="post" action="(\/library[^"]*)"/g)].map((m) => m[1]);

describe('the Library', () => {
  it('shows every model with its parameters, dataset, parent, frameworks, curve and who made it', async () => {
    const res = await viewer.get(`/library?plot=${PLOT}`);
    expect(res.statusCode).toBe(200);
    const b = res.body;
    for (const r of [first, second, blind]) expect(b).toContain(`id="model-${r.modelId}"`);
    const c = card(b, second.modelId);
    expect(c).toContain('bob'); // requested by
    expect(c).toContain(`href="#model-${first.modelId}"`); // the parent
    expect(c).toContain('torch</dt><dd>2.6.0');
    expect(c).toContain(shaOf(`${second.trainingId}-manifest`).slice(0, 16));
    expect(c).toMatch(/Good 20.*Bad 20/s);
    expect(c).toContain('learningRate</dt><dd>0.003');
    expect(c).toContain(`href="/training/${second.trainingId}"`);
    expect([...c.matchAll(/data-series="(\w+)"/g)].map((m) => m[1])).toEqual(['valAccuracy', 'loss', 'valLoss']);
    expect(card(b, blind.modelId)).toContain('Under the plot type');
    // The run that failed is listed with its code.
    expect(b).toMatch(/CDC_occupancy-20261123-d[\s\S]*too-few-labels/);
    expect(b).toContain('No active model');
  });

  it('is read-only for a Viewer and for an Expert of another detector: no forms, and 403 on every action', async () => {
    for (const who of [viewer, otherExpert]) {
      const page = await who.get(`/library?plot=${PLOT}`);
      expect(posts(page.body)).toEqual([]);
    }
    const seq = await lastSeq(h.log);
    for (const [url, form] of [
      [`/library/models/${first.modelId}/signoff`, {}],
      [`/library/models/${first.modelId}/activate`, {}],
      [`/library/models/${first.modelId}/retire`, {}],
      ['/library/rollback', { plot: PLOT }],
      ['/library/train', { plot: PLOT }],
    ] as const) {
      expect((await viewer.post(url, form)).statusCode, url).toBe(403);
      expect((await otherExpert.post(url, form)).statusCode, url).toBe(403);
    }
    expect(await eventsAfter(h.log, seq)).toEqual([]);
  });

  it('lets an Expert of the detector sign off, activate, roll back and retire, each an event in their name', async () => {
    expect(posts((await expert.get(`/library?plot=${PLOT}`)).body)).toContain('/library/train');
    const seq = await lastSeq(h.log);
    const ok = async (url: string, form: Record<string, string> = {}) => {
      const res = await expert.post(url, form);
      expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
      return res.body;
    };
    await ok(`/library/models/${first.modelId}/signoff`, { comment: 'looks right' });
    await ok(`/library/models/${first.modelId}/activate`);
    await ok(`/library/models/${second.modelId}/signoff`);
    const activated = await ok(`/library/models/${second.modelId}/activate`);
    expect(activated).toContain(`replacing ${first.modelId}`);
    expect(activated).toContain(`Roll back to ${first.modelId}`);
    const rolledBack = await ok('/library/rollback', { plot: PLOT });
    expect(rolledBack).toContain(`Rolled back: ${first.modelId} is active again`);
    expect(rolledBack).toMatch(/Active model: <a href="#model-[^"]+"><strong>CDC_occupancy-t/);
    expect(card(rolledBack, first.modelId)).toContain('★ active');
    await ok(`/library/models/${second.modelId}/retire`, { reason: 'worse on NoData' });

    const events = (await eventsAfter(h.log, seq)).filter((e) => e.type.startsWith('model.'));
    expect(events.map((e) => [e.type, (e.data as { modelId: string }).modelId])).toEqual([
      ['model.signed-off', first.modelId],
      ['model.activated', first.modelId],
      ['model.signed-off', second.modelId],
      ['model.activated', second.modelId],
      ['model.activated', first.modelId],
      ['model.retired', second.modelId],
    ]);
    for (const e of events) {
      expect(e.metadata.user).toBe('cdc-expert');
      expect((e.data as { user: string }).user).toBe('cdc-expert');
    }
    const page = await expert.get(`/library?plot=${PLOT}`);
    expect(card(page.body, first.modelId)).toMatch(/signed off<\/dt><dd>cdc-expert, .*<q>looks right<\/q>/);
  });

  it('refuses a model under the bar unless the Expert says so, and says why on the page', async () => {
    await expert.post(`/library/models/${blind.modelId}/signoff`, {});
    const refused = await expert.post(`/library/models/${blind.modelId}/activate`, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('under CDC_occupancy&#39;s activation bar');
    const seq = await lastSeq(h.log);
    const taken = await expert.post(`/library/models/${blind.modelId}/activate`, { belowBar: 'on' });
    expect(taken.statusCode).toBe(200);
    const [e] = (await eventsAfter(h.log, seq)).filter((x) => x.type === 'model.activated');
    expect(e?.data).toMatchObject({ modelId: blind.modelId, belowBar: true });
  });

  it('asks for a training with the parameters given, and refuses ones out of range with the field named', async () => {
    const seq = await lastSeq(h.log);
    const res = await expert.post('/library/train', {
      plot: PLOT,
      epochs: '12',
      learningRate: '0.001',
      batchSize: '',
      parentModel: first.modelId,
      reason: 'more NoData labels',
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const [req] = (await eventsAfter(h.log, seq)).filter((e) => e.type === 'training.requested');
    expect(req?.metadata.user).toBe('cdc-expert');
    expect(req?.data).toMatchObject({
      plotType: PLOT,
      requester: 'cdc-expert',
      reason: 'more NoData labels',
      parameters: { epochs: 12, learningRate: 0.001, batchSize: 32, parentModel: first.modelId },
    });
    expect(res.body).toContain('requested');
    const bad = await expert.post('/library/train', { plot: PLOT, epochs: '0' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('epochs');
  });

  it('compares two models side by side, and refuses an unknown one', async () => {
    const res = await viewer.get(`/library?plot=${PLOT}&a=${first.modelId}&b=${second.modelId}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<th>A: ${first.modelId}</th><th>B: ${second.modelId}</th>`);
    expect(res.body).toMatch(/<tr><th scope="row">Bad recall<\/th><td>\d+%<\/td><td>\d+%<\/td><\/tr>/);
    expect((await viewer.get(`/library?plot=${PLOT}&a=${first.modelId}&b=nope`)).statusCode).toBe(404);
    expect((await viewer.get(`/library?plot=${PLOT}&plto=x`)).statusCode).toBe(400);
  });
});
