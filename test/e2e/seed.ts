import { randomBytes } from 'node:crypto';
import type { AnyNewEvent } from '../../src/events/log.ts';
import { meta } from '../support/events.ts';
import { fact, type HttpEnv } from '../support/http.ts';
import { heatmapPng, plotPng } from '../support/images.ts';

export const XSS = '<script>alert(1)</script>';
export const XSS_DETECTOR = '<img src=x onerror=alert(2)>';

/** The plot types of a small hall: a few detectors, one hidden, one ignored, one named to attack the page. */
export const PLOTS: readonly { name: string; detector: string; title?: string; extra?: Record<string, unknown> }[] = [
  { name: 'CDC_occupancy', detector: 'CDC', title: 'CDC straw occupancy' },
  { name: 'CDC_drift_time', detector: 'CDC', title: 'CDC drift time' },
  { name: 'CDC_hits_per_event', detector: 'CDC' },
  { name: 'FCAL_occupancy', detector: 'FCAL', title: 'FCAL block occupancy' },
  { name: 'FCAL_energy', detector: 'FCAL' },
  { name: 'FCAL_timing', detector: 'FCAL' },
  { name: 'BCAL_occupancy', detector: 'BCAL' },
  { name: 'BCAL_energy', detector: 'BCAL' },
  { name: 'TOF_paddles', detector: 'TOF' },
  { name: 'RF_timing', detector: 'RF' },
  { name: 'fa125_itrig_errors', detector: 'DAQ', title: 'fa125 itrig errors' },
  { name: 'XSS_plot', detector: XSS_DETECTOR, title: XSS },
  { name: 'PS_pairs', detector: 'PS', extra: { hidden: true } },
  { name: 'TAGH_hits', detector: 'TAGH', extra: { ignore: true } },
];

const STEP = 5 * 60_000;
const N = 36;
const runOf = (i: number) => (i < 18 ? 101070 : i < 28 ? 101071 : 101072);

/** The Bad score of each plot type at step i of N: FCAL occupancy rises and goes Bad; BCAL energy wavers. */
function badScore(plot: string, i: number): number {
  const noise = ((i * 7919 + plot.length * 104729) % 97) / 97;
  if (plot === 'FCAL_occupancy')
    return i < 22
      ? 0.04 + 0.05 * noise
      : i < 26
        ? 0.15 + (i - 22) * 0.1
        : Math.min(0.97, 0.82 + 0.03 * (i - 26) * noise);
  if (plot === 'BCAL_energy' && i === N - 1) return 0.52;
  if (plot === 'BCAL_energy') return 0.08 + 0.2 * noise;
  return 0.02 + 0.08 * noise;
}

export interface Seeded {
  readonly heatmap: string;
  readonly latest: Record<string, string>;
  readonly streakStart: string;
  readonly now: number;
}

/** Three hours of history, five minutes apart, across three runs; real images where the pages show them. */
export async function seed(h: HttpEnv): Promise<Seeded> {
  const now = Date.now();
  const heat = (await h.blobs.put(await heatmapPng())).sha256;
  await h.append(
    PLOTS.map((p) => fact.plotType(p.name, p.detector, { ...(p.title ? { title: p.title } : {}), ...p.extra })),
  );
  const latest: Record<string, string> = {};
  let streakStart = '';
  const events: AnyNewEvent[] = [];
  for (let i = 0; i < N; i++) {
    const at = new Date(now - (N - i) * STEP + 30_000).toISOString();
    for (const [k, p] of PLOTS.entries()) {
      const bad = badScore(p.name, i);
      const isBad = bad > 0.5 && p.name !== 'BCAL_energy';
      const unconfirmed = p.name === 'BCAL_energy' && i === N - 1;
      const shown = i >= N - 2 || isBad || unconfirmed;
      const id = shown
        ? (await h.blobs.put(await plotPng(1000 * k + i, { bad: isBad }))).sha256
        : randomBytes(32).toString('hex');
      if (isBad && !streakStart) streakStart = id;
      events.push(fact.arrived(id, p.name, runOf(i), i + 1, at));
      if (p.extra?.ignore)
        events.push({
          type: 'inference.skipped',
          metadata: meta,
          data: { arrivalId: id, imageId: id, plotType: p.name, reason: 'ignored' },
        });
      else
        events.push(
          fact.verdict(id, p.name, isBad || unconfirmed ? 'Bad' : 'Good', Math.round(bad * 1000) / 1000, {
            confirmed: !unconfirmed,
            heatmap: isBad || unconfirmed ? heat : undefined,
          }),
        );
      latest[p.name] = id;
    }
  }
  for (let i = 0; i < events.length; i += 200) await h.log.appendMany(events.slice(i, i + 200));
  await h.append([
    {
      type: 'alarm.raised',
      metadata: meta,
      data: {
        alarmId: 'al-fcal-1',
        plotType: 'FCAL_occupancy',
        detector: 'FCAL',
        run: 101071,
        label: 'Bad',
        confidence: 0.88,
        firstImageId: streakStart,
        imageIds: [streakStart],
        raisedAt: new Date(now - 40 * 60_000).toISOString(),
      },
    },
    {
      type: 'alarm.raised',
      metadata: meta,
      data: {
        alarmId: 'al-xss-1',
        plotType: 'XSS_plot',
        detector: XSS_DETECTOR,
        run: 101072,
        label: 'Bad',
        confidence: 0.7,
        firstImageId: latest.XSS_plot!,
        imageIds: [latest.XSS_plot!],
        raisedAt: new Date(now - 20 * 60_000).toISOString(),
      },
    },
    {
      type: 'alarm.acknowledged',
      metadata: meta,
      data: { alarmId: 'al-xss-1', plotType: 'XSS_plot', user: 'night shift', comment: XSS },
    },
    {
      type: 'news.posted',
      metadata: meta,
      data: {
        text: 'Beam studies until 06:00: CDC HV ramped to 2100 V. Call the CDC expert (x5321) for anything on CDC plots.',
        level: 'warning',
        user: 'run coordinator',
      },
    },
  ]);
  return { heatmap: heat, latest, streakStart, now };
}

/** Heartbeats of a healthy one-machine Hydra. */
export async function beat(h: HttpEnv, roles: readonly string[]): Promise<void> {
  const at = new Date().toISOString();
  const startedAt = new Date(Date.now() - 3 * 3600_000 - 17 * 60_000).toISOString();
  for (const [i, role] of roles.entries()) {
    const handled = 1000 + 377 * i;
    await h.status.put(
      `proc.ctrl-hydra01.${4100 + i}`,
      JSON.stringify({
        key: `proc.ctrl-hydra01.${4100 + i}`,
        roles: [role],
        host: 'ctrl-hydra01',
        pid: 4100 + i,
        startedAt,
        at,
        intervalMs: 60_000,
        stats: {
          [role]: {
            handled,
            failed: role === 'inference' ? 2 : 0,
            lastMs: 4 + i * 3.3,
            histogram: {
              5: Math.round(handled * 0.6),
              10: Math.round(handled * 0.3),
              50: Math.round(handled * 0.08),
              250: Math.round(handled * 0.02),
            },
          },
        },
      }),
    );
  }
}

/**
 * What the self-sustaining loop appends for a plot type over a detector change: consistent, the verdict mix drifting
 * before any label, then a drop with a training requested, the cool-down, the retrained model compared and
 * activated, and its assessment gone stale (the contact told).
 */
export function sustainDecisions(plotType: string): AnyNewEvent[] {
  const old = `${plotType}-t0001`;
  const retrained = `${plotType}-t0002`;
  const hour = 3600_000;
  const now = Date.now();
  const at = (h: number) => new Date(now - h * hour).toISOString();
  const evidence = (correct: number, samples: number, extra: Record<string, unknown> = {}) => {
    const p = correct / samples;
    const half = 1.96 * Math.sqrt((p * (1 - p) + 0.25 / samples) / samples);
    return {
      validationAccuracy: 0.97,
      samples,
      correct,
      accuracy: { estimate: p, low: Math.max(0, p - half), high: Math.min(1, p + half) },
      recall: {
        Bad: { samples: Math.round(samples / 2), recall: { estimate: 1, low: 0.86, high: 1 } },
        Good: {
          samples: samples - Math.round(samples / 2),
          recall: { estimate: p, low: Math.max(0, p - half), high: 1 },
        },
      },
      pValue: null,
      drift: 0.04,
      waiting: 0,
      oldestWaitingMs: 0,
      from: at(30),
      to: at(6),
      ...extra,
    };
  };
  /** The verdict mix: of the first 100 verdicts `bad0` Bad, of the latest `n` `bad` Bad. */
  const mix = (bad0: number, bad: number, n: number, pValue: number) => {
    const shift = Math.abs(bad / n - bad0 / 100);
    return {
      reference: 100,
      recent: n,
      labels: [
        { label: 'Bad', reference: bad0, recent: bad },
        { label: 'Good', reference: 100 - bad0, recent: n - bad },
      ],
      shift,
      shifted: 'Bad',
      statistic: 18.3,
      pValue,
      drifting: pValue < 0.001 && shift >= 0.15,
    };
  };
  const assessed = (modelId: string, status: string, why: string, e: Record<string, unknown>, trainingId?: string) =>
    ({
      type: 'sustain.assessed',
      metadata: { ...meta, user: 'sustain' },
      data: { plotType, modelId, status, why, evidence: e, ...(trainingId ? { trainingId } : {}) },
    }) as AnyNewEvent;
  return [
    assessed(
      old,
      'ok',
      'trailing accuracy 100.0 % over 50 is consistent with validation 97.0 %',
      evidence(50, 50, { verdictMix: mix(50, 52, 100, 0.78) }),
    ),
    assessed(
      old,
      'drifting',
      'verdict mix moved: Bad 75.0 % of the latest 200 verdicts against 50.0 % of the first 100 (p = 1.8e-5): the detector may have changed; the unbiased sample needs labels to tell; trailing accuracy 100.0 % over 50 is consistent with validation 97.0 %',
      evidence(50, 50, { verdictMix: mix(50, 150, 200, 1.8e-5), drift: 0.01 }),
    ),
    assessed(
      old,
      'degraded',
      'trailing accuracy 84.0 % (42/50, 95 % 71.5 %–91.7 %) is below validation 97.0 % (p = 2.3e-3)',
      evidence(42, 50, { pValue: 0.0023 }),
      `${plotType}-sustain-1`,
    ),
    assessed(
      old,
      'cooling-down',
      'cooling down: retraining was requested 0 min ago',
      evidence(41, 50, { pValue: 0.001 }),
    ),
    {
      type: 'sustain.compared',
      metadata: { ...meta, user: 'sustain' },
      data: {
        plotType,
        trainingId: `${plotType}-sustain-1`,
        championId: old,
        challengerId: retrained,
        samples: 20,
        championAccuracy: 0.55,
        challengerAccuracy: 1,
        challengerOnly: 9,
        championOnly: 0,
        pValue: 0.002,
        outcome: 'activated',
        why: 'challenger 100.0 % against champion 55.0 % on 20 unbiased samples labelled after training: better; activated (retrain.autoActivate)',
      },
    },
    assessed(
      retrained,
      'stale',
      'labelling lags: the oldest of 14 unbiased samples has waited 30.0 h; trailing accuracy 100.0 % over 30 is consistent with validation 97.0 %',
      evidence(30, 30, {
        waiting: 14,
        oldestWaitingMs: 30 * hour,
        drift: 0.07,
        verdictMix: null,
        labelsStale: true,
        notified: { to: ['fcal-experts@jlab.test'] },
      }),
    ),
  ];
}
