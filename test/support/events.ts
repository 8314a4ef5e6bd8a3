import { createHash, randomBytes } from 'node:crypto';
import type { AnyNewEvent } from '../../src/events/log.ts';

export const meta = { correlationId: 'test', producer: 'test' };
export const shaOf = (s: string) => createHash('sha256').update(s).digest('hex');
export const randomSha = () => randomBytes(32).toString('hex');

export function plotTypeSpec(name: string, detector = 'CDC') {
  return {
    name,
    detector,
    pattern: '^(?<plot>[A-Za-z0-9_]+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.png$',
    labels: [
      { name: 'Good', colour: '#2e7d32' },
      { name: 'Bad', colour: '#c62828', alarms: true },
    ],
    input: { width: 64, height: 48, channels: 1 as const },
  };
}

export function arrived(imageId: string, plotType: string, i = 0, arrivedAt = '2026-11-26T10:00:00.000Z'): AnyNewEvent {
  return {
    type: 'image.arrived',
    id: `arrived:${imageId}`,
    metadata: meta,
    data: {
      arrivalId: imageId,
      imageId,
      plotType,
      run: 1000 + (i % 7),
      chunk: i,
      pad: 1,
      arrivedAt,
      width: 800,
      height: 600,
      bytes: 1000 + i,
      source: `${plotType}-01_${String(i).padStart(4, '0')}.png`,
    },
  };
}

/** A deterministic mixed history touching every projection, for replay checks. */
export function mixedHistory(n: number, seed = 1): AnyNewEvent[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const plots = ['CDC_occupancy', 'FCAL_occupancy', 'BCAL_occupancy', 'RF_timing'];
  const out: AnyNewEvent[] = plots.map(
    (p) => ({ type: 'plottype.defined', metadata: meta, data: plotTypeSpec(p) }) as AnyNewEvent,
  );
  out.push(...accountHistory(seed), ...trainingHistory(seed), ...sustainHistory(seed), ...backfillHistory(seed));
  const images: { id: string; plot: string }[] = [];
  while (out.length < n) {
    const r = rnd();
    const plot = plots[Math.floor(rnd() * plots.length)]!;
    const day = `2026-11-${String(10 + Math.floor(rnd() * 5)).padStart(2, '0')}T0${Math.floor(rnd() * 9)}:00:00.000Z`;
    if (r < 0.45 || images.length === 0) {
      const id = shaOf(`${seed}:${out.length}`);
      images.push({ id, plot });
      out.push(arrived(id, plot, out.length, day));
    } else if (r < 0.6) {
      const im = images[Math.floor(rnd() * images.length)]!;
      out.push({
        type: 'image.sampled',
        metadata: meta,
        data: { imageId: im.id, plotType: im.plot, reason: rnd() < 0.5 ? 'unbiased' : 'bad' },
      });
    } else if (r < 0.8) {
      const im = images[Math.floor(rnd() * images.length)]!;
      out.push({
        type: 'label.assigned',
        metadata: meta,
        data: { imageId: im.id, plotType: im.plot, label: rnd() < 0.5 ? 'Good' : 'Bad', user: 'expert' },
      });
    } else if (r < 0.87) {
      const im = images[Math.floor(rnd() * images.length)]!;
      out.push({
        type: 'label.retracted',
        metadata: meta,
        data: { imageId: im.id, plotType: im.plot, label: 'Bad', user: 'expert' },
      });
    } else if (r < 0.92) {
      out.push({
        type: 'image.rejected',
        metadata: meta,
        data: {
          rejectionId: `r${out.length}`,
          source: `junk${out.length}.png`,
          code: 'truncated',
          reason: 'PNG ends early',
          rejectedAt: day,
        },
      });
    } else if (r < 0.935) {
      const im = images[Math.floor(rnd() * images.length)]!;
      const bad = rnd() < 0.3;
      const conf = 0.5 + rnd() * 0.5;
      out.push({
        type: 'inference.completed',
        id: `inference.completed:${im.id}:${out.length}`,
        metadata: meta,
        data: {
          arrivalId: im.id,
          imageId: im.id,
          plotType: im.plot,
          modelId: 'm1',
          scores: bad ? { Good: 1 - conf, Bad: conf } : { Good: conf, Bad: 1 - conf },
          verdict: bad ? 'Bad' : 'Good',
          confidence: conf,
          confirmed: conf > 0.7,
          timings: { queueMs: 1, preprocessMs: 2, modelMs: 3 },
        },
      });
    } else if (r < 0.96) {
      out.push({
        type: 'image.unassigned',
        metadata: meta,
        data: {
          imageId: shaOf(`u${out.length % 50}`),
          plotName: 'NEW_plot',
          source: 'NEW_plot-01_0001.png',
          keptPath: '/tmp/x',
          arrivedAt: day,
        },
      });
    } else {
      out.push({
        type: 'plottype.updated',
        metadata: meta,
        data: { ...plotTypeSpec(plot), collectPercent: Math.floor(rnd() * 20) },
      });
    }
  }
  return out;
}

/** Two training runs: one that failed after two epochs, one still running. */
export function trainingHistory(seed = 1): AnyNewEvent[] {
  const run = (trainingId: string): AnyNewEvent[] => [
    {
      type: 'training.requested',
      metadata: meta,
      data: { trainingId, plotType: 'CDC_occupancy', parameters: { epochs: 3 }, reason: '', requester: 'ann' },
    },
    ...[1, 2].map(
      (epoch): AnyNewEvent => ({
        type: 'training.progress',
        metadata: meta,
        data: { trainingId, plotType: 'CDC_occupancy', epoch, epochs: 3, loss: 1 / epoch, valAccuracy: 0.5 },
      }),
    ),
  ];
  return [
    ...run(`CDC_occupancy-${seed}a`),
    {
      type: 'training.failed',
      metadata: meta,
      data: { trainingId: `CDC_occupancy-${seed}a`, plotType: 'CDC_occupancy', code: 'nan-loss', reason: 'NaN' },
    },
    ...run(`CDC_occupancy-${seed}b`),
  ];
}

/** A backfill of a model over two arrivals: requested, started, one batch (one changed verdict), completed. */
export function backfillHistory(seed = 1): AnyNewEvent[] {
  const ids = { backfillId: `bf-${seed}`, plotType: 'CDC_occupancy', modelId: 'm2' };
  const verdict = (i: number, verdict: string, had: string) => ({
    arrivalId: shaOf(`bf-${seed}-a${i}`),
    imageId: shaOf(`bf-${seed}-i${i}`),
    run: 4000 + i,
    at: `2026-11-10T01:00:0${i}.000Z`,
    verdict,
    confidence: 0.8,
    confirmed: true,
    scores: { Good: verdict === 'Good' ? 0.8 : 0.2, Bad: verdict === 'Bad' ? 0.8 : 0.2 },
    had: { outcome: had, modelId: 'm1', verdict: had, confidence: 0.9, confirmed: true },
  });
  return [
    {
      type: 'backfill.requested',
      metadata: meta,
      data: { ...ids, runFrom: 4000, runTo: 4001, limit: 10, user: 'ann' },
    },
    { type: 'backfill.started', metadata: meta, data: { ...ids, total: 2, upTo: '2026-11-10T02:00:00.000Z' } },
    {
      type: 'backfill.verdicts',
      metadata: meta,
      data: { ...ids, offset: 0, size: 2, verdicts: [verdict(0, 'Bad', 'Good'), verdict(1, 'Good', 'Good')] },
    },
    {
      type: 'backfill.completed',
      metadata: meta,
      data: {
        ...ids,
        total: 2,
        judged: 2,
        unreadable: 0,
        compared: 2,
        agreed: 1,
        changed: 1,
        pairs: [
          { had: 'Good', now: 'Bad', count: 1 },
          { had: 'Good', now: 'Good', count: 1 },
        ],
        durationSeconds: 0.5,
      },
    },
  ];
}

/** The self-sustaining loop finding a model degraded, and comparing the retrained one with it. */
export function sustainHistory(seed = 1): AnyNewEvent[] {
  const interval = { estimate: 0.6, low: 0.45, high: 0.74 };
  const evidence = {
    validationAccuracy: 0.95,
    samples: 40,
    correct: 24,
    accuracy: interval,
    recall: { Good: { samples: 30, recall: interval } },
    pValue: 1e-6,
    drift: null,
    waiting: 2,
    oldestWaitingMs: 1000,
    from: '2026-11-10T00:00:00.000Z',
    to: '2026-11-10T05:00:00.000Z',
  };
  const plotType = 'CDC_occupancy';
  return [
    {
      type: 'sustain.assessed',
      metadata: meta,
      data: { plotType, modelId: 'm1', status: 'ok', why: 'fine', evidence },
    },
    {
      type: 'sustain.assessed',
      metadata: meta,
      data: { plotType, modelId: 'm1', status: 'degraded', why: 'below', evidence, trainingId: `s${seed}` },
    },
    {
      type: 'sustain.compared',
      metadata: meta,
      data: {
        plotType,
        trainingId: `s${seed}`,
        championId: 'm1',
        challengerId: 'm2',
        samples: 30,
        championAccuracy: 0.6,
        challengerAccuracy: 0.9,
        challengerOnly: 10,
        championOnly: 1,
        pValue: 0.006,
        outcome: 'awaits-sign-off',
        why: 'better; the plot type does not allow automatic activation',
      },
    },
  ];
}

/** Users, roles, tokens and a setting changing over time, as the account commands append them. */
export function accountHistory(seed = 1): AnyNewEvent[] {
  const hash = (n: number) => `$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ${n}$aGFzaGhhc2hoYXNoaGFzaA${seed}`;
  const by = 'cli:root';
  const m = { ...meta, user: by };
  return [
    { type: 'user.added', metadata: m, data: { user: 'ann', displayName: 'Ann Expert', passwordHash: hash(1), by } },
    { type: 'user.added', metadata: m, data: { user: 'bob@jlab.org', by } },
    { type: 'user.role-granted', metadata: m, data: { user: 'ann', role: 'admin', by } },
    { type: 'user.role-granted', metadata: m, data: { user: 'bob@jlab.org', role: 'expert', detectors: ['FCAL'], by } },
    { type: 'user.role-granted', metadata: m, data: { user: 'bob@jlab.org', role: 'labeler', by } },
    { type: 'user.role-revoked', metadata: m, data: { user: 'bob@jlab.org', role: 'labeler', by } },
    { type: 'user.password-set', metadata: m, data: { user: 'bob@jlab.org', passwordHash: hash(2), by } },
    { type: 'user.disabled', metadata: m, data: { user: 'bob@jlab.org', by } },
    { type: 'user.enabled', metadata: m, data: { user: 'bob@jlab.org', by } },
    {
      type: 'token.created',
      metadata: m,
      data: { tokenId: `t${seed}a`, name: 'RootSpy', role: 'labeler', hash: shaOf(`token${seed}a`), by },
    },
    {
      type: 'token.created',
      metadata: m,
      data: { tokenId: `t${seed}b`, name: 'Grafana', role: 'viewer', hash: shaOf(`token${seed}b`), by },
    },
    { type: 'token.revoked', metadata: m, data: { tokenId: `t${seed}b`, by } },
    { type: 'site.settings-changed', metadata: m, data: { anonymousViewing: false, by } },
  ];
}
