import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plotTypeInfo, plotTypeSpec, renderPlot } from '../../fixtures/generator/index.ts';
import { signedIn, type Browser } from '../../test/support/accounts.ts';
import { meta } from '../../test/support/events.ts';
import { eventsAfter, lastSeq, openHttpEnv, type HttpEnv } from '../../test/support/http.ts';
import { trainAndActivate } from '../../test/support/model.ts';
import type { HydraEvent } from '../events/catalog.ts';
import { arrivalIdOf } from '../events/image.ts';
import type { AnyNewEvent } from '../events/log.ts';
import { plotTypeSpecSchema } from '../events/plottype.ts';
import { classifyStoredImages } from '../inference/classify-stored.ts';
import { backfillRow, backfillVerdictsOf } from '../projections/backfills/queries.ts';
import { modelRow } from '../projections/models/queries.ts';
import { outcomeOf } from '../verdicts/semantics.ts';
import { followBackfill, requestBackfill } from './request.ts';
import { BackfillWorker } from './worker.ts';

// Real NATS, MariaDB, sharp and ONNX Runtime: a tiny model trained by the real trainer judges stored FCAL plots of
// runs 500–507, some of them with verdicts an older model gave, through the Library's form and the backfill worker.

let h: HttpEnv;
let expert: Browser;
let viewer: Browser;
let worker: BackfillWorker;
let modelId: string;
const PLOT = 'FCAL_occupancy';
const OTHER = 'CDC_occupancy';

interface Stored {
  arrivalId: string;
  imageId: string;
  plotType: string;
  run: number;
  chunk: number;
  at: string;
}
const stored: Stored[] = [];

/** A generated plot stored and arrived (Bad ones with a dead crate), and for most an older model's verdict. */
async function arrive(
  plotType: string,
  run: number,
  i: number,
  verdict: 'Good' | 'Bad' | null,
): Promise<AnyNewEvent[]> {
  const bad = plotType === PLOT && i % 2 === 1;
  const { png } = await renderPlot({
    plotType,
    label: bad ? 'Bad' : 'Good',
    seed: 9000 + run * 10 + i,
    width: 400,
    height: 300,
    run,
    ...(bad ? { failure: { mode: 'dead_crate', severity: 1 } } : {}),
  });
  const { sha256: imageId } = await h.blobs.put(png, 'image/png');
  const at = new Date(Date.UTC(2026, 10, 20, 10, run - 500, i)).toISOString();
  const arrivalId = arrivalIdOf({ plotType, run, chunk: i, pad: 1, imageId });
  stored.push({ arrivalId, imageId, plotType, run, chunk: i, at });
  const events: AnyNewEvent[] = [
    {
      type: 'image.arrived',
      metadata: meta,
      data: {
        arrivalId,
        imageId,
        plotType,
        run,
        chunk: i,
        pad: 1,
        arrivedAt: at,
        width: 400,
        height: 300,
        bytes: png.length,
        source: `${plotType}-01_${String(i).padStart(4, '0')}.png`,
      },
    },
  ];
  if (verdict)
    events.push({
      type: 'inference.completed',
      metadata: meta,
      data: {
        arrivalId,
        imageId,
        plotType,
        modelId: 'FCAL_occupancy-old',
        scores: verdict === 'Good' ? { Good: 0.9, Bad: 0.1 } : { Good: 0.1, Bad: 0.9 },
        verdict,
        confidence: 0.9,
        confirmed: true,
        timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
      },
    });
  return events;
}

const specOf = (name: string) =>
  plotTypeSpecSchema.parse({
    ...plotTypeSpec(plotTypeInfo(name)!),
    labels: [
      { name: 'Good', colour: '#2e9e44' },
      { name: 'Bad', colour: '#d62728', alarms: true },
    ],
    input: { width: 32, height: 24, channels: 3 },
  });

beforeAll(async () => {
  h = await openHttpEnv('backfill_int');
  const spec = specOf(PLOT);
  await h.append([
    { type: 'plottype.defined', metadata: meta, data: spec },
    { type: 'plottype.defined', metadata: meta, data: specOf(OTHER) },
  ]);
  const seq = await lastSeq(h.log);
  await trainAndActivate(h.log, h.blobs, spec, { mode: 'dead_crate', perClass: 8, epochs: 1, activate: false });
  const done = (await eventsAfter(h.log, seq)).find((e) => e.type === 'training.completed');
  modelId = (done!.data as { modelId: string }).modelId;
  const events: AnyNewEvent[] = [];
  // Runs 500 … 507 of FCAL, four arrivals each; the older model said Good and Bad in turn, one arrival has no verdict.
  for (let run = 500; run <= 507; run++)
    for (let i = 0; i < 4; i++)
      events.push(...(await arrive(PLOT, run, i, run === 503 && i === 2 ? null : i % 3 === 0 ? 'Bad' : 'Good')));
  // The same runs of another plot type: never part of an FCAL backfill.
  events.push(...(await arrive(OTHER, 502, 0, 'Good')), ...(await arrive(OTHER, 503, 1, 'Bad')));
  await h.append(events);
  worker = new BackfillWorker({ log: h.log, db: h.env.database.db, blobs: h.blobs, say: () => undefined });
  await worker.start();
  expert = await signedIn(h.app, 'fcal-expert', [{ role: 'expert', detectors: ['FCAL'] }]);
  viewer = await signedIn(h.app, 'vic', 'viewer');
}, 300_000);

afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

/** Waits for a backfill's outcome, then for every read model to hold it. */
async function outcome(backfillId: string) {
  const o = await followBackfill(h.log, backfillId, { signal: AbortSignal.timeout(120_000) });
  await h.caughtUp(0);
  return o;
}

const verdictItems = (events: readonly HydraEvent[]) =>
  events.flatMap((e) => (e.type === 'backfill.verdicts' ? e.data.verdicts : []));

let pageBackfill = '';

describe('running a model over history', () => {
  it('judges each arrival of the run range exactly once, as the model computes, beside the verdict it had', async () => {
    await expert.get(`/library?plot=${PLOT}`);
    const seq = await lastSeq(h.log);
    const res = await expert.post(`/library/models/${modelId}/backfill`, { runFrom: '502', runTo: '505', limit: '' });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    const backfillId = /\/backfills\/([^?#]+)/.exec(String(res.headers.location))![1]!;
    pageBackfill = backfillId;
    const o = await outcome(backfillId);
    expect(o?.kind).toBe('completed');

    const events = await eventsAfter(h.log, seq);
    const requested = events.find((e) => e.type === 'backfill.requested');
    expect(requested?.metadata.user).toBe('fcal-expert');
    expect(requested?.data).toMatchObject({ modelId, plotType: PLOT, runFrom: 502, runTo: 505, user: 'fcal-expert' });

    const inRange = stored.filter((s) => s.plotType === PLOT && s.run >= 502 && s.run <= 505);
    const items = verdictItems(events);
    expect(items.map((v) => v.arrivalId).sort()).toEqual(inRange.map((s) => s.arrivalId).sort());

    // What the model computes on its own, the way the loop's challenger is judged.
    const model = (await modelRow(h.env.database.db, modelId))!;
    const direct = await classifyStoredImages(h.blobs, model, { masks: [] }, [
      ...new Set(inRange.map((s) => s.imageId)),
    ]);
    for (const v of items) {
      const d = direct.get(v.imageId)!;
      expect({ verdict: v.verdict, confidence: v.confidence, confirmed: v.confirmed, scores: v.scores }).toEqual({
        verdict: d.verdict,
        confidence: d.confidence,
        confirmed: d.confirmed,
        scores: d.scores,
      });
    }
    const had = (run: number, chunk: number) =>
      items.find((v) => v.arrivalId === inRange.find((s) => s.run === run && s.chunk === chunk)!.arrivalId)?.had;
    expect(had(503, 2)).toEqual({ outcome: '(pending)' });
    expect(had(503, 0)).toEqual({
      outcome: 'Bad',
      modelId: 'FCAL_occupancy-old',
      verdict: 'Bad',
      confidence: 0.9,
      confirmed: true,
    });

    const rows = await backfillVerdictsOf(h.env.database.db, backfillId, { limit: 1000, offset: 0 });
    expect(rows.total).toBe(inRange.length);
    const changed = items.filter((v) => outcomeOf(v) !== v.had.outcome).length;
    const row = await backfillRow(h.env.database.db, backfillId);
    expect(row).toMatchObject({
      status: 'completed',
      total: inRange.length,
      done: inRange.length,
      judged: inRange.length,
    });
    expect(row).toMatchObject({ changed, unreadable: 0, compared: inRange.length - 1 });
    expect(row!.agreed).toBe(items.filter((v) => v.had.verdict && outcomeOf(v) === v.had.outcome).length);
  });

  it('respects a time range: from included, to excluded, arrivals of other plot types never', async () => {
    const from = stored.find((s) => s.plotType === PLOT && s.run === 501)!.at;
    const to = stored.find((s) => s.plotType === PLOT && s.run === 503)!.at;
    const seq = await lastSeq(h.log);
    const r = await requestBackfill(
      h.log,
      async () => modelRow(h.env.database.db, modelId),
      { modelId, plotType: PLOT, from, to, limit: 1000, user: 'fcal-expert' },
      { producer: 'test', user: 'fcal-expert' },
    );
    expect((await outcome(r.backfillId))?.kind).toBe('completed');
    const want = stored.filter((s) => s.plotType === PLOT && s.at >= from && s.at < to);
    expect(want.map((s) => s.run)).toEqual([501, 501, 501, 501, 502, 502, 502, 502]);
    const items = verdictItems(await eventsAfter(h.log, seq));
    expect(items.map((v) => v.arrivalId).sort()).toEqual(want.map((s) => s.arrivalId).sort());
  });

  it('takes at most its limit, earliest first', async () => {
    const seq = await lastSeq(h.log);
    const r = await requestBackfill(
      h.log,
      async () => modelRow(h.env.database.db, modelId),
      { modelId, plotType: PLOT, runFrom: 500, runTo: 507, limit: 3, user: 'fcal-expert' },
      { producer: 'test', user: 'fcal-expert' },
    );
    expect((await outcome(r.backfillId))?.kind).toBe('completed');
    const items = verdictItems(await eventsAfter(h.log, seq));
    const first = stored.filter((s) => s.plotType === PLOT && s.run === 500).slice(0, 3);
    expect(items.map((v) => v.arrivalId)).toEqual(first.map((s) => s.arrivalId));
  });

  it('refuses a Viewer (403) and an Expert of another detector, and records nothing', async () => {
    const cdc = await signedIn(h.app, 'cdc-expert', [{ role: 'expert', detectors: ['CDC'] }]);
    await viewer.get(`/library?plot=${PLOT}`);
    await cdc.get(`/library?plot=${PLOT}`);
    const seq = await lastSeq(h.log);
    const form = { runFrom: '500', runTo: '501' };
    expect((await viewer.post(`/library/models/${modelId}/backfill`, form)).statusCode).toBe(403);
    expect((await cdc.post(`/library/models/${modelId}/backfill`, form)).statusCode).toBe(403);
    expect(await eventsAfter(h.log, seq)).toEqual([]);
    const page = await viewer.get(`/library?plot=${PLOT}`);
    expect(page.body).not.toContain(`/library/models/${modelId}/backfill`);
    expect(page.body).toContain(`/backfills/${pageBackfill}`);
    expect((await viewer.get(`/backfills/${pageBackfill}`)).statusCode).toBe(200);
  });

  it('refuses a range without both ends, or backwards, with the field named', async () => {
    await expert.get(`/library?plot=${PLOT}`);
    const seq = await lastSeq(h.log);
    const half = await expert.post(`/library/models/${modelId}/backfill`, { runFrom: '500' });
    expect(half.statusCode).toBe(400);
    expect(half.body).toContain('runTo: runs need both ends');
    const back = await expert.post(`/library/models/${modelId}/backfill`, { runFrom: '505', runTo: '500' });
    expect(back.statusCode).toBe(400);
    expect(back.body).toContain('runTo: must not be before runFrom');
    expect(await eventsAfter(h.log, seq)).toEqual([]);
  });

  it("lists the changed verdicts first on the backfill's page, each beside the verdict it had", async () => {
    const rows = await backfillVerdictsOf(h.env.database.db, pageBackfill, { limit: 1000, offset: 0 });
    const changed = rows.rows.filter((r) => r.changed);
    expect(changed.length).toBeGreaterThan(0);
    const page = await expert.get(`/backfills/${pageBackfill}`);
    expect(page.statusCode).toBe(200);
    const cards = [...page.body.matchAll(/data-arrival="([0-9a-f]{64})" data-changed="(true|false)"/g)];
    expect(cards).toHaveLength(rows.total);
    const flags = cards.map((c) => c[2]);
    expect(flags.slice(0, changed.length).every((f) => f === 'true')).toBe(true);
    expect(flags.slice(changed.length).every((f) => f === 'false')).toBe(true);
    expect(page.body).toContain('had ╲ now');
    const only = await expert.get(`/backfills/${pageBackfill}?changed=only`);
    const onlyCards = [...only.body.matchAll(/data-arrival="([0-9a-f]{64})" data-changed="(true|false)"/g)];
    expect(onlyCards.map((c) => c[1]).sort()).toEqual(changed.map((r) => r.arrivalId).sort());
    // One cell of the had → now matrix lists exactly its arrivals.
    const { hadOutcome: had, outcome: now } = changed[0]!;
    const cell = await expert.get(`/backfills/${pageBackfill}?${new URLSearchParams({ had, now })}`);
    const cellCards = [...cell.body.matchAll(/data-arrival="([0-9a-f]{64})"/g)].map((c) => c[1]);
    const want = rows.rows.filter((r) => r.hadOutcome === had && r.outcome === now).map((r) => r.arrivalId);
    expect(cellCards.sort()).toEqual(want.sort());
    expect(page.body).toContain(
      `href="/backfills/${pageBackfill}?had=${encodeURIComponent(had)}&amp;now=${encodeURIComponent(now)}#verdicts"`,
    );
  });

  it('appends nothing again when every request is delivered again to a fresh worker', async () => {
    await worker.stop();
    await h.log.jsm.consumers.delete(h.log.names.stream, h.log.names.consumer('backfill'));
    const seq = await lastSeq(h.log);
    worker = new BackfillWorker({ log: h.log, db: h.env.database.db, blobs: h.blobs, say: () => undefined });
    await worker.start();
    // A request after the redelivered ones: once its outcome is there, the worker has been through all of them.
    const r = await requestBackfill(
      h.log,
      async () => modelRow(h.env.database.db, modelId),
      { modelId, plotType: PLOT, runFrom: 507, runTo: 507, limit: 10, user: 'fcal-expert' },
      { producer: 'test', user: 'fcal-expert' },
    );
    expect((await outcome(r.backfillId))?.kind).toBe('completed');
    const after = (await eventsAfter(h.log, seq)).filter((e) => e.type.startsWith('backfill.'));
    expect(after.every((e) => e.key === r.backfillId)).toBe(true);
  });
});
