import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plotTypeInfo, plotTypeSpec } from '../../../fixtures/generator/index.ts';
import { signedIn, type Browser } from '../../../test/support/accounts.ts';
import { meta } from '../../../test/support/events.ts';
import { eventsAfter, lastSeq, openHttpEnv, type HttpEnv } from '../../../test/support/http.ts';
import { trainAndActivate } from '../../../test/support/model.ts';
import { plotTypeSpecSchema } from '../../events/plottype.ts';

let h: HttpEnv;
let expert: Browser;
let viewer: Browser;
let onnx: Buffer;
const PLOT = 'FCAL_occupancy';

beforeAll(async () => {
  h = await openHttpEnv('model_import_int');
  const spec = plotTypeSpecSchema.parse({
    ...plotTypeSpec(plotTypeInfo(PLOT)!),
    labels: [
      { name: 'Good', colour: '#2e9e44' },
      { name: 'Bad', colour: '#d62728', alarms: true },
    ],
    input: { width: 32, height: 24, channels: 3 },
  });
  await h.append([{ type: 'plottype.defined', metadata: meta, data: spec }]);
  // A real ONNX export of the trainer: the file an expert brings.
  const seq = await lastSeq(h.log);
  await trainAndActivate(h.log, h.blobs, spec, { mode: 'dead_crate', perClass: 8, epochs: 1, activate: false });
  const done = (await eventsAfter(h.log, seq)).find((e) => e.type === 'training.completed');
  onnx = Buffer.from(await h.blobs.get((done!.data as { onnx: string }).onnx));
  expert = await signedIn(h.app, 'fcal-expert', [{ role: 'expert', detectors: ['FCAL'] }]);
  viewer = await signedIn(h.app, 'vic', 'viewer');
}, 300_000);
afterAll(async () => {
  await h?.close();
});

/** The Import form as a browser posts it: multipart, with the page's CSRF token as a field. */
const post = (b: Browser, fields: Record<string, string>, bytes: Buffer) =>
  b.postFile('/library/models/import', fields, { name: 'model.onnx', bytes });

describe("the Library's Import ONNX form", () => {
  it('is offered to an Expert of the detector, not to a Viewer', async () => {
    expect((await expert.get(`/library?plot=${PLOT}`)).body).toContain('action="/library/models/import"');
    expect((await viewer.get(`/library?plot=${PLOT}`)).body).not.toContain('action="/library/models/import"');
  });

  it('refuses a bad file with a 400 that says what is wrong, and records nothing', async () => {
    await expert.get(`/library?plot=${PLOT}`);
    const seq = await lastSeq(h.log);
    const junk = await post(expert, { plot: PLOT, labels: 'Good, Bad' }, Buffer.from('not a model at all'));
    expect(junk.statusCode).toBe(400);
    expect(junk.body).toContain('file: ONNX Runtime cannot load the model');
    const labels = await post(expert, { plot: PLOT, labels: 'Good, Broken' }, onnx);
    expect(labels.statusCode).toBe(400);
    expect(labels.body).toContain('Broken is not among the plot type&#39;s labels');
    expect(await eventsAfter(h.log, seq)).toEqual([]);
  });

  it('imports a model in the Expert’s name, as hydra models import does; a Viewer gets 403', async () => {
    await viewer.get(`/library?plot=${PLOT}`);
    expect((await post(viewer, { plot: PLOT, labels: 'Good, Bad' }, onnx)).statusCode).toBe(403);
    await expert.get(`/library?plot=${PLOT}`);
    const seq = await lastSeq(h.log);
    const res = await post(expert, { plot: PLOT, labels: 'Good, Bad', comment: 'from the CERN group' }, onnx);
    expect(res.statusCode).toBe(303);
    const evs = await eventsAfter(h.log, seq);
    expect(evs.map((e) => e.type)).toEqual(['model.imported']);
    expect(evs[0]!.metadata.user).toBe('fcal-expert');
    expect(evs[0]!.data).toMatchObject({ plotType: PLOT, labels: ['Good', 'Bad'], user: 'fcal-expert' });
    expect(res.headers.location).toContain(`/library?plot=${PLOT}#model-`);
  });
});
