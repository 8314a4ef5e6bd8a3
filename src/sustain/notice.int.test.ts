import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrived, meta, plotTypeSpec, shaOf } from '../../test/support/events.ts';
import { openSustainTest, type SustainTest } from '../../test/support/sustain.ts';
import { trainingRun } from '../../test/support/trainings.ts';
import { startSmtp, type LocalSmtp } from '../../test/support/smtp.ts';
import type { AnyNewEvent } from '../events/log.ts';
import { EventMailer, type MailerOptions } from '../training/mail.ts';
import { staleMailKind } from './notice.ts';
import { DEFAULT_SUSTAIN_POLICY } from './worker.ts';

/**
 * The stale notice on real NATS, MariaDB and a local SMTP server: labelling lags past the limit, the loop's
 * assessment records that the plot type's contact is told, the mailer sends it once (not again on the next round
 * or after the mailer restarts), and a new episode after labelling caught up is told again.
 */

const PT = 'CDC_stale';
const run = trainingRun(PT, 'st0');
let t: SustainTest;
let smtp: LocalSmtp;
let opts: MailerOptions;
let n = 0;

/** An unbiased sample of `PT` taken `ageMs` ago with the active model's verdict Good, labelled Good unless `label` is false. */
function sample(ageMs: number, label = true): { imageId: string; events: AnyNewEvent[] } {
  const imageId = shaOf(`stale-${n}`);
  n++;
  const at = new Date(Date.now() - ageMs).toISOString();
  const events: AnyNewEvent[] = [
    arrived(imageId, PT, n, at),
    { type: 'image.sampled', metadata: meta, data: { imageId, plotType: PT, reason: 'unbiased' } },
    {
      type: 'inference.completed',
      metadata: meta,
      data: {
        arrivalId: imageId,
        imageId,
        plotType: PT,
        modelId: run.modelId,
        scores: { Good: 0.9, Bad: 0.1 },
        verdict: 'Good',
        confidence: 0.9,
        confirmed: true,
        timings: { queueMs: 1, preprocessMs: 1, modelMs: 1 },
      },
    },
    ...(label ? [labelled(imageId)] : []),
  ];
  return { imageId, events };
}
const labelled = (imageId: string): AnyNewEvent => ({
  type: 'label.assigned',
  metadata: meta,
  data: { imageId, plotType: PT, label: 'Good', user: 'ann' },
});

beforeAll(async () => {
  smtp = await startSmtp();
  t = await openSustainTest(
    'sustain_notice',
    [
      { type: 'plottype.defined', metadata: meta, data: { ...plotTypeSpec(PT), contact: 'ann@jlab.test, CDC shift' } },
      ...run.events,
      { type: 'model.signed-off', metadata: meta, data: { modelId: run.modelId, plotType: PT, user: 'ann' } },
      { type: 'model.activated', metadata: meta, data: { modelId: run.modelId, plotType: PT, user: 'ann' } },
    ],
    { policy: { ...DEFAULT_SUSTAIN_POLICY, maxWaitMs: 3600_000 }, mailContacts: true },
  );
  opts = {
    smtpUrl: smtp.url,
    from: 'hydra@jlab.test',
    publicUrl: 'http://hydra.jlab.test:8080',
    retryMaxMs: 500,
    timeoutMs: 5000,
    say: () => undefined,
  };
});

afterAll(async () => {
  await t?.close();
  await smtp?.close();
});

const mailerOf = () => new EventMailer(t.hydra.log, staleMailKind({ ...opts, maxWaitMs: 3600_000 }), opts);
const roundOf = async () => (await t.worker.round()).find((r) => r.plotType === PT);
/** The mail's text as written: soft line breaks joined, folded headers unfolded, quoted-printable '=' decoded. */
const body = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/\r\n[ \t]+/g, ' ')
    .replace(/=3D/g, '=');

describe('the stale notice', () => {
  it("tells the plot type's contact once per stale episode, by what the assessment recorded", async () => {
    const mailer = mailerOf();
    await mailer.start();
    // 30 labelled samples, and two nobody labelled that have waited two hours, past the one-hour limit.
    const waiting = [sample(2 * 3600_000, false), sample(2 * 3600_000 - 1000, false)];
    await t.hydra.log.appendMany([
      ...Array.from({ length: 30 }, () => sample(600_000).events).flat(),
      ...waiting.flatMap((w) => w.events),
    ]);
    expect(await roundOf()).toMatchObject({ status: 'stale', appended: ['sustain.assessed'] });
    const row = await t.assessment(PT);
    expect(row?.evidence).toMatchObject({ labelsStale: true, waiting: 2, notified: { to: ['ann@jlab.test'] } });
    await smtp.received.until((m) => m.length >= 1, 'the stale notice');
    const [first] = smtp.received.items;
    expect(first?.to).toEqual(['ann@jlab.test']);
    expect(body(first!.raw)).toContain(`Subject: [Hydra] ${PT}: trailing accuracy is stale, 2 unbiased samples wait`);
    expect(body(first!.raw)).toContain(`http://hydra.jlab.test:8080/labeler?plot=${PT}&queue=unbiased&order=oldest`);
    expect(body(first!.raw)).toContain(`http://hydra.jlab.test:8080/timeline?plot=${PT}#sustain`);

    // The same episode on the next round: nothing appended, so nothing to send; the mailer restarts from where it was.
    expect((await roundOf())?.appended).toEqual([]);
    await mailer.stop();
    const again = mailerOf();
    await again.start();
    try {
      // Labelling catches up: the episode ends (an assessment says so, and tells nobody).
      await t.hydra.log.appendMany(waiting.map((w) => labelled(w.imageId)));
      expect(await roundOf()).toMatchObject({ status: 'ok', appended: ['sustain.assessed'] });
      expect((await t.assessment(PT))?.evidence).toMatchObject({ labelsStale: false });
      // It lags again: a new episode, told again.
      await t.hydra.log.appendMany(sample(3 * 3600_000, false).events);
      expect(await roundOf()).toMatchObject({ status: 'stale', appended: ['sustain.assessed'] });
      await smtp.received.until((m) => m.length >= 2, 'the second episode told');
      // In order, one consumer: had the first notice been delivered again it would have come before this one.
      expect(smtp.received.items).toHaveLength(2);
      expect(body(smtp.received.items[1]!.raw)).toContain('1 unbiased sample waits');
    } finally {
      await again.stop();
    }
  });
});
