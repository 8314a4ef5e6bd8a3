import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fact, openHttpEnv, type HttpEnv, eventsAfter, labelsNow, lastSeq } from '../../../test/support/http.ts';
import { signedIn, type Browser } from '../../../test/support/accounts.ts';
import { meta, shaOf } from '../../../test/support/events.ts';
import type { AnyNewEvent } from '../../events/log.ts';

let h: HttpEnv;
let ann: Browser;
let viewer: Browser;
const img = (n: number) => shaOf(`labeler-int-${n}`);
const BATCH = ['1b4e28ba-2fa1-41d2-883f-0016d3cca427', '2c5f39cb-30b2-42e3-994a-1127e4ddb538'];
const T0 = Date.parse('2026-11-20T08:00:00Z');

/** 30 CDC images, every third in the unbiased sample and the odd ones called Bad by the model. */
beforeAll(async () => {
  h = await openHttpEnv('labeler_int');
  // BCAL_hits comes first by name and has no images at all; RF_timing has one, in no sample.
  const events: AnyNewEvent[] = [
    fact.plotType('BCAL_hits', 'BCAL'),
    fact.plotType('CDC_occupancy', 'CDC'),
    fact.plotType('RF_timing', 'RF'),
  ];
  for (let i = 0; i < 30; i++) {
    events.push(
      fact.arrived(img(i), 'CDC_occupancy', 101000 + Math.floor(i / 10), i, new Date(T0 + i * 60_000).toISOString()),
    );
    events.push(fact.verdict(img(i), 'CDC_occupancy', i % 2 ? 'Bad' : 'Good', i % 2 ? 0.93 : 0.04));
    if (i % 3 === 0)
      events.push({
        type: 'image.sampled',
        metadata: meta,
        data: { imageId: img(i), plotType: 'CDC_occupancy', reason: 'unbiased' },
      });
    if (i % 2)
      events.push({
        type: 'image.sampled',
        metadata: meta,
        data: { imageId: img(i), plotType: 'CDC_occupancy', reason: 'bad' },
      });
  }
  events.push(fact.arrived(img(99), 'RF_timing', 101000, 1, new Date(T0).toISOString()));
  await h.append(events);
  ann = await signedIn(h.app, 'ann', 'labeler');
  viewer = await signedIn(h.app, 'vic', 'viewer');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const ids = (body: string) =>
  [...body.matchAll(/class="lt[^"]*" data-i="\d+" data-id="([0-9a-f]{64})"/g)].map((m) => m[1]);
const unbiased = [0, 3, 6, 9, 12, 15, 18, 21, 24, 27].map(img);

describe('the Labeler', () => {
  it('opens on the first plot type with work in the chosen queue, not the first by name', async () => {
    const chosen = async (path: string) => {
      const res = await ann.get(path);
      expect(res.statusCode).toBe(200);
      return /<option value="([A-Za-z0-9_]+)" selected>/.exec(res.body)?.[1];
    };
    expect(await chosen('/labeler')).toBe('CDC_occupancy');
    expect(await chosen('/labeler?queue=all')).toBe('CDC_occupancy');
    // Nothing flagged unsure anywhere: the first by name, as before.
    expect(await chosen('/labeler?queue=unsure')).toBe('BCAL_hits');
    // Asked for by name, an empty one still opens.
    expect(await chosen('/labeler?plot=BCAL_hits')).toBe('BCAL_hits');
  });

  it('shows a queue newest first with its counts, and hides the verdict on the unbiased queue', async () => {
    const res = await ann.get('/labeler?plot=CDC_occupancy');
    expect(res.statusCode).toBe(200);
    expect(ids(res.body)).toEqual([...unbiased].reverse());
    expect(res.body).toMatch(
      /data-queue="unbiased" aria-current="page">Unbiased sample <span class="n"[^>]*>10<small> \/ 10/,
    );
    expect(res.body).toMatch(/data-queue="bad">Confirmed Bad <span class="n"[^>]*>15<small> \/ 15/);
    expect(res.body).toMatch(/data-queue="all">Every image <span class="n"[^>]*>30<small> \/ 30/);
    expect(res.body).not.toContain('lt-verdict');
    expect((await ann.get('/labeler?plot=CDC_occupancy&verdicts=show')).body).not.toContain('lt-verdict');
    const bad = await ann.get(
      '/labeler?plot=CDC_occupancy&queue=bad&verdicts=show&order=oldest&runFrom=101001&size=20',
    );
    expect(ids(bad.body)).toEqual([11, 13, 15, 17, 19, 21, 23, 25, 27, 29].map(img));
    // In the label's colour (Bad's red from the plot type), not one colour for every verdict.
    expect(bad.body).toContain(
      '<span class="lt-verdict" title="the model\'s verdict" style="--verdict:#d62728;--verdict-ink:#ffffff">Bad 93%</span>',
    );
  });

  it('pages with a cursor, and refuses unknown parameters and a verdict filter on the unbiased queue', async () => {
    const first = await ann.get('/labeler?plot=CDC_occupancy&queue=all&size=20');
    expect(ids(first.body)).toHaveLength(20);
    const next = /class="lab-next" href="([^"]+)"/.exec(first.body)![1]!.replaceAll('&amp;', '&');
    const second = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map(img);
    expect(ids((await ann.get(next)).body)).toEqual(second);
    // The page names the images of the page after it, whose thumbnails it fetches ahead.
    expect(/data-prefetch="([^"]*)"/.exec(first.body)![1]!.split(',')).toEqual(second);
    expect((await ann.get('/labeler?plot=CDC_occupancy&colour=red', { accept: 'application/json' })).statusCode).toBe(
      400,
    );
    const leak = await ann.get('/labeler?plot=CDC_occupancy&verdict=Bad', { accept: 'application/json' });
    expect(leak.statusCode).toBe(400);
    expect(leak.json().message).toContain("the unbiased queue hides the model's verdict");
  });

  it('applies a label to a selection as one batch naming the user, answers the next page, and stores a repeat once', async () => {
    const seq = await lastSeq(h.log);
    const chosen = unbiased.slice(0, 4);
    const form = {
      plot: 'CDC_occupancy',
      label: 'Good',
      images: chosen.join(','),
      batch: BATCH[0]!,
      view: '?plot=CDC_occupancy',
    };
    const res = await ann.post('/labeler/apply', form, { 'hx-request': 'true' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body.startsWith('<div id="lab-grid"')).toBe(true);
    expect(ids(res.body)).toEqual([...unbiased.slice(4)].reverse());
    expect(res.body).toContain(`data-batch="${BATCH[0]}"`);
    expect(res.headers['server-timing']).toMatch(
      /^wait;dur=[\d.]+, decide;dur=[\d.]+, read;dur=[\d.]+, append;dur=[\d.]+, page;dur=[\d.]+$/,
    );
    const stored = await eventsAfter(h.log, seq);
    expect(
      stored.map((e) => [
        e.type,
        e.metadata.user,
        (e.data as { imageId?: string }).imageId,
        'label' in e.data && e.data.label,
      ]),
    ).toEqual(chosen.map((id) => ['label.assigned', 'ann', id, 'Good']));
    expect([...(await labelsNow(h, chosen)).values()]).toEqual(chosen.map(() => ({ label: 'Good', user: 'ann' })));
    // The same request again (a retry) and the same labels in a new apply both store nothing.
    const again = await lastSeq(h.log);
    expect((await ann.post('/labeler/apply', form, { 'hx-request': 'true' })).statusCode).toBe(200);
    expect((await ann.post('/labeler/apply', { ...form, batch: BATCH[1]! }, { 'hx-request': 'true' })).body).toContain(
      '(4 already were)',
    );
    expect(await eventsAfter(h.log, again)).toEqual([]);
  });

  it("refuses a label the plot type does not have, or another plot type's image, and stores nothing", async () => {
    const seq = await lastSeq(h.log);
    const base = { plot: 'CDC_occupancy', batch: BATCH[1]!, view: '' };
    const cosmic = await ann.post(
      '/labeler/apply',
      { ...base, label: 'Cosmic', images: img(5) },
      { accept: 'application/json' },
    );
    expect(cosmic.statusCode).toBe(400);
    expect(cosmic.json()).toEqual({
      error: 'HYDRA_LABEL_NOT_ALLOWED',
      message: `label "Cosmic" is not one of CDC_occupancy's labels: Good, Bad, NoData`,
    });
    const rf = await ann.post(
      '/labeler/apply',
      { ...base, label: 'Bad', images: `${img(5)},${img(99)}` },
      { accept: 'application/json' },
    );
    expect(rf.json().error).toBe('HYDRA_LABEL_WRONG_PLOT_TYPE');
    const junk = await ann.post(
      '/labeler/apply',
      { ...base, label: 'Bad', images: img(5), extra: '1' },
      { accept: 'application/json' },
    );
    expect(junk.statusCode).toBe(400);
    expect(await eventsAfter(h.log, seq)).toEqual([]);
  });

  it('undoes the last apply: its labels are withdrawn and the images are back in the queue', async () => {
    const seq = await lastSeq(h.log);
    const res = await ann.post(
      '/labeler/undo',
      { batch: BATCH[0]!, view: '?plot=CDC_occupancy' },
      { 'hx-request': 'true' },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('Undone: 4 labels withdrawn');
    expect(ids(res.body)).toEqual([...unbiased].reverse());
    expect((await eventsAfter(h.log, seq)).map((e) => [e.type, e.metadata.user])).toEqual(
      unbiased.slice(0, 4).map(() => ['label.retracted', 'ann']),
    );
  });

  it("gives back on undo the label an apply had replaced, in its giver's name", async () => {
    const bob = await signedIn(h.app, 'bob', 'labeler');
    const [B3, B4] = ['4d6e4adc-41c3-43f4-aa38-2238f5eec649', '5e7f5bed-52d4-4405-bb49-3349a6ffd75a'];
    const one = img(2);
    const apply = (who: Browser, label: string, batch: string) =>
      who.post(
        '/labeler/apply',
        { plot: 'CDC_occupancy', label, images: one, batch, view: '?plot=CDC_occupancy&queue=all' },
        { 'hx-request': 'true' },
      );
    expect((await apply(bob, 'Bad', B3)).statusCode).toBe(200);
    expect((await apply(ann, 'Good', B4)).statusCode).toBe(200);
    expect((await labelsNow(h, [one])).get(one)).toEqual({ label: 'Good', user: 'ann' });
    const seq = await lastSeq(h.log);
    const res = await ann.post(
      '/labeler/undo',
      { batch: B4, view: '?plot=CDC_occupancy&queue=all' },
      { 'hx-request': 'true' },
    );
    expect(res.statusCode, res.body).toBe(200);
    const undone = await eventsAfter(h.log, seq);
    expect(undone.map((e) => [e.type, e.metadata.user, e.data])).toEqual([
      [
        'label.assigned',
        'ann',
        { imageId: one, plotType: 'CDC_occupancy', label: 'Bad', user: 'bob', batch: B3, undoes: B4 },
      ],
    ]);
    expect((await labelsNow(h, [one])).get(one)).toEqual({ label: 'Bad', user: 'bob' });
  });

  it('edits: changes a label in the editor, shows who did what when (undo included), and retracts by the signed-in user', async () => {
    const one = img(2);
    const view = '?plot=CDC_occupancy&queue=all&labelled=only';
    const editor = await ann.get(`/labeler${view}`);
    expect(editor.statusCode).toBe(200);
    expect(editor.body).toContain('data-editor');
    expect(editor.body).toMatch(/aria-current="page" data-mode="editor">Edit labels/);
    expect(ids(editor.body)).toContain(one);
    const changed = await ann.post(
      '/labeler/apply',
      { plot: 'CDC_occupancy', label: 'NoData', images: one, batch: '9dbe9f21-9618-4849-bf8e-7783eaddf19e', view },
      { 'hx-request': 'true' },
    );
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.body).toContain(`data-id="${one}" data-label="NoData"`);

    const steps = async () => {
      const res = await ann.get(`/labeler/history?image=${one}`, { 'hx-request': 'true' });
      expect(res.statusCode, res.body).toBe(200);
      return [...res.body.matchAll(/<li[^>]*><time[^>]*>[^<]*<\/time> (.*?)<\/li>/g)].map((m) =>
        m[1]!
          .replace(/<[^>]+>/g, '')
          .replace(/\s+/g, ' ')
          .trim(),
      );
    };
    expect(await steps()).toEqual([
      'ann labelled it NoData',
      'ann undid an apply: Bad back (bob’s)',
      'ann labelled it Good',
      'bob labelled it Bad',
    ]);

    const seq = await lastSeq(h.log);
    const retract = await ann.post(
      '/labeler/retract',
      { plot: 'CDC_occupancy', images: `${one},${img(1)}`, batch: 'aecf0a32-a729-4a5a-8090-8894fbee0aaf', view },
      { 'hx-request': 'true' },
    );
    expect(retract.statusCode, retract.body).toBe(200);
    expect(retract.body).toContain('Withdrew 1 label (1 had none)');
    expect(ids(retract.body)).not.toContain(one);
    expect((await eventsAfter(h.log, seq)).map((e) => [e.type, e.metadata.user, e.data])).toEqual([
      ['label.retracted', 'ann', { imageId: one, plotType: 'CDC_occupancy', label: 'NoData', user: 'ann' }],
    ]);
    expect((await labelsNow(h, [one])).has(one)).toBe(false);
    expect((await steps())[0]).toBe('ann withdrew NoData');
    const missing = await ann.get(`/labeler/history?image=${'f'.repeat(64)}`, { accept: 'application/json' });
    expect(missing.statusCode).toBe(404);
  });

  it('flags images unsure with a comment: they wait in the unsure queue, labelled or not, until cleared', async () => {
    const seq = await lastSeq(h.log);
    const form = { plot: 'CDC_occupancy', images: `${img(4)},${img(5)}`, view: '?plot=CDC_occupancy&queue=unsure' };
    const flag = await ann.post(
      '/labeler/unsure',
      { ...form, batch: '6a8b6cfe-63e5-4516-8c5a-4450b7aae86b', unsure: 'on', comment: 'ring looks thin' },
      { 'hx-request': 'true' },
    );
    expect(flag.statusCode, flag.body).toBe(200);
    expect(flag.body).toContain('Flagged 2 images unsure');
    expect(ids(flag.body).sort()).toEqual([img(4), img(5)].sort());
    const said = await ann.post(
      '/labeler/comment',
      { ...form, images: img(4), batch: '7b9c7d0f-74f6-4627-9d6b-5561c8bbf97c', comment: 'second look please' },
      { 'hx-request': 'true' },
    );
    expect(said.body).toContain('Commented on 1 image');
    expect(said.body).toContain('✎1');
    const clear = await ann.post(
      '/labeler/unsure',
      { ...form, batch: '8cad8e10-8507-4738-ae7c-6672d9ccf08d', unsure: 'off' },
      { 'hx-request': 'true' },
    );
    expect(ids(clear.body)).toEqual([]);
    expect((await eventsAfter(h.log, seq)).map((e) => [e.type, e.metadata.user])).toEqual([
      ...[4, 5].map(() => ['label.unsure-flagged', 'ann']),
      ['label.commented', 'ann'],
      ...[4, 5].map(() => ['label.unsure-cleared', 'ann']),
    ]);
  });

  it('is for Labelers: a Viewer gets 403 on the page and on every action, and nothing is stored', async () => {
    const seq = await lastSeq(h.log);
    expect((await viewer.get('/labeler')).statusCode).toBe(403);
    const form = { plot: 'CDC_occupancy', label: 'Good', images: img(0), batch: BATCH[1]!, view: '' };
    expect((await viewer.post('/labeler/apply', form)).statusCode).toBe(403);
    expect((await viewer.post('/labeler/undo', { batch: BATCH[1]!, view: '' })).statusCode).toBe(403);
    const sel = { plot: 'CDC_occupancy', images: img(0), batch: BATCH[1]!, view: '' };
    expect((await viewer.post('/labeler/unsure', { ...sel, unsure: 'on' })).statusCode).toBe(403);
    expect((await viewer.post('/labeler/comment', { ...sel, comment: 'x' })).statusCode).toBe(403);
    expect((await viewer.post('/labeler/retract', sel)).statusCode).toBe(403);
    expect((await viewer.get(`/labeler/history?image=${img(0)}`)).statusCode).toBe(403);
    expect(await eventsAfter(h.log, seq)).toEqual([]);
  });
});
