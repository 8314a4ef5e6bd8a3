import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { signedIn, type Browser } from '../../../test/support/accounts.ts';
import { meta, shaOf } from '../../../test/support/events.ts';
import { eventsAfter, fact, lastSeq, openHttpEnv, type HttpEnv } from '../../../test/support/http.ts';
import { formFromSpec } from '../../plottypes/form.ts';
import { parsePlotTypesYaml, PlotTypeFileError } from '../../plottypes/plan.ts';
import { plotTypeRow } from '../../projections/plot-types/queries.ts';

let h: HttpEnv;
let admin: Browser;
let cdcExpert: Browser;
let fcalExpert: Browser;
let viewer: Browser;
const WAITING = shaOf('waiting-tof');

beforeAll(async () => {
  h = await openHttpEnv('plot_types_int');
  const img = shaOf('cdc-latest');
  await h.append([
    fact.plotType('CDC_occupancy', 'CDC', { title: 'CDC straw occupancy' }),
    fact.arrived(img, 'CDC_occupancy', 101080, 3, new Date().toISOString()),
    {
      type: 'image.unassigned',
      metadata: meta,
      data: {
        imageId: WAITING,
        plotName: 'TOF_paddles',
        source: 'inbox/TOF_paddles-01_0003.png',
        keptPath: '/var/unassigned/TOF_paddles/x.png',
        arrivedAt: new Date().toISOString(),
      },
    },
  ]);
  admin = await signedIn(h.app, 'ada', 'admin');
  cdcExpert = await signedIn(h.app, 'cdc-expert', [{ role: 'expert', detectors: ['CDC'] }]);
  fcalExpert = await signedIn(h.app, 'fcal-expert', [{ role: 'expert', detectors: ['FCAL'] }]);
  viewer = await signedIn(h.app, 'vic', 'viewer');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const cdcForm = async () => {
  const row = await plotTypeRow(h.env.database.db, 'CDC_occupancy');
  return { intent: 'update', ...formFromSpec(row!.spec) };
};

describe('the plot-type admin', () => {
  it('lists the plot types and the images waiting for one, with "define a plot type from this image"', async () => {
    const res = await viewer.get('/admin/plot-types');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/admin/plot-types/CDC_occupancy"');
    expect(res.body).toContain('TOF_paddles');
    // A Viewer reads it, and is offered nothing to change.
    expect(res.body).not.toContain('Define a plot type from this image');
    const a = await admin.get('/admin/plot-types');
    expect(a.body).toContain(`href="/admin/plot-types/new?image=${WAITING}"`);
    const form = await admin.get(`/admin/plot-types/new?image=${WAITING}`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="TOF_paddles"');
    expect(form.body).toContain(`src="/blobs/${WAITING}"`);
  });

  it('defines a plot type from the form, with the same events as plot-types apply, in the signed-in name', async () => {
    const seq = await lastSeq(h.log);
    const form = {
      intent: 'define',
      name: 'TOF_paddles',
      detector: 'TOF',
      pattern: '^(?<plot>[A-Za-z0-9_]+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.(?i:png)$',
      'labels.0.name': 'Good',
      'labels.0.colour': '#2e9e44',
      'labels.1.name': 'Bad',
      'labels.1.colour': '#d62728',
      'labels.1.alarms': 'on',
      'labels.2.name': '', // the empty row the page offers
      'labels.2.colour': '#5a6878',
      'input.width': '160',
      'input.height': '120',
      'input.channels': '3',
      'masks.0.x': '10',
      'masks.0.y': '20',
      'masks.0.width': '30',
      'masks.0.height': '40',
      'masks.0.reason': 'legend',
      'alarmPolicy.labels': 'Bad',
      'retrain.auto': 'on',
    };
    const res = await admin.post('/admin/plot-types', form);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Defined TOF_paddles.');
    const evs = await eventsAfter(h.log, seq);
    expect(evs.map((e) => e.type)).toEqual(['plottype.defined']);
    const e = evs[0]!;
    expect(e.metadata.user).toBe('ada');
    // The same spec a plot-types file with this entry gives.
    const [fromFile] = parsePlotTypesYaml(
      stringify([
        {
          name: 'TOF_paddles',
          detector: 'TOF',
          pattern: form.pattern,
          labels: [
            { name: 'Good', colour: '#2e9e44' },
            { name: 'Bad', colour: '#d62728', alarms: true },
          ],
          input: { width: 160, height: 120, channels: 3 },
          masks: [{ x: 10, y: 20, width: 30, height: 40, reason: 'legend' }],
          alarmPolicy: { labels: ['Bad'] },
          ignore: false,
          hidden: false,
          retrain: { auto: true, autoActivate: false },
        },
      ]),
    );
    expect(e.data).toEqual(fromFile);
    // Defining it again is refused on the name, and appends nothing.
    const defined = await lastSeq(h.log);
    const again = await admin.post('/admin/plot-types', form);
    expect(again.statusCode).toBe(409);
    expect(again.body).toMatch(/data-field="name"[^>]*><span>a plot type &quot;TOF_paddles&quot; already exists/);
    expect(await lastSeq(h.log)).toBe(defined);
  });

  it('edits masks and flags; saving unchanged appends nothing', async () => {
    const form = await cdcForm();
    const seq = await lastSeq(h.log);
    const res = await cdcExpert.post('/admin/plot-types', {
      ...form,
      'masks.0.x': '0',
      'masks.0.y': '0',
      'masks.0.width': '50',
      'masks.0.height': '25',
      hidden: 'on',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Saved CDC_occupancy (hidden, masks) as cdc-expert.');
    const evs = await eventsAfter(h.log, seq);
    expect(evs.map((e) => e.type)).toEqual(['plottype.updated']);
    expect(evs[0]!.metadata.user).toBe('cdc-expert');
    expect(evs[0]!.data).toMatchObject({ hidden: true, masks: [{ x: 0, y: 0, width: 50, height: 25 }] });
    const seq2 = await lastSeq(h.log);
    const same = await cdcExpert.post('/admin/plot-types', await cdcForm());
    expect(same.body).toContain('Nothing changed');
    expect(await lastSeq(h.log)).toBe(seq2);
  });

  it('refuses a bad field with 400 naming it, shown beside the field, with the messages of plot-types apply', async () => {
    const form = await cdcForm();
    const seq = await lastSeq(h.log);
    const bad = { ...form, 'labels.0.colour': 'green', 'input.width': 'wide' };
    const res = await admin.post('/admin/plot-types', bad);
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/data-field="labels.0"[^>]*><span>labels.0.colour: a colour as #rrggbb/);
    expect(res.body).toMatch(/data-field="input.width"[^>]*><span>&quot;wide&quot; is not a whole number/);
    const alarm = await admin.post('/admin/plot-types', { ...form, 'alarmPolicy.labels': 'Bad, Broken' });
    expect(alarm.statusCode).toBe(400);
    expect(alarm.body).toMatch(
      /data-field="alarmPolicy.labels"[^>]*><span>&quot;Broken&quot; is not one of the labels/,
    );
    // What the file gives for the same entry: the same messages.
    const file = stringify([
      {
        ...(await plotTypeRow(h.env.database.db, 'CDC_occupancy'))!.spec,
        labels: [
          { name: 'Good', colour: 'green' },
          { name: 'Bad', colour: '#d62728' },
        ],
      },
    ]);
    expect(() => parsePlotTypesYaml(file)).toThrow(/labels.0.colour: a colour as #rrggbb/);
    expect(() => parsePlotTypesYaml(file)).toThrow(PlotTypeFileError);
    // A program (no text/html) gets the problems as JSON.
    const json = await admin.post(
      '/admin/plot-types',
      { ...form, 'input.channels': '2', pattern: '(?<plot>x)' },
      {
        accept: 'application/json',
      },
    );
    expect(json.statusCode).toBe(400);
    const fields = (json.json() as { problems: { field: string }[] }).problems.map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['input.channels', 'pattern']));
    const unknown = await admin.post(
      '/admin/plot-types',
      { ...form, collect_percent: '5' },
      { accept: 'application/json' },
    );
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('collect_percent');
    expect(await lastSeq(h.log)).toBe(seq);
  });

  it('lets only an Expert of the detector or an Admin change it: others read it and get 403', async () => {
    const form = await cdcForm();
    const seq = await lastSeq(h.log);
    const page = await fcalExpert.get('/admin/plot-types/CDC_occupancy');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Read only');
    expect(page.body).not.toContain('type="submit">Save changes');
    expect((await fcalExpert.post('/admin/plot-types', { ...form, hidden: '' })).statusCode).toBe(403);
    // Moving it to one's own detector is a change of the CDC plot type too.
    expect((await fcalExpert.post('/admin/plot-types', { ...form, detector: 'FCAL' })).statusCode).toBe(403);
    expect((await viewer.post('/admin/plot-types', { ...form, hidden: '' })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'POST', url: '/admin/plot-types', payload: form })).statusCode).toBe(401);
    expect(await lastSeq(h.log)).toBe(seq);
  });
});
