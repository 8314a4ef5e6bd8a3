import type { ModelRow } from '../../projections/models/table.ts';
import type { PlotTypeRow } from '../../projections/plot-types/table.ts';
import {
  thresholdCurve,
  thresholdEffect,
  type ThresholdEffect,
  type ThresholdSample,
} from '../../models/thresholds.ts';
import { href, html, type Html } from '../html.ts';
import { statusBadge } from './library.ts';
import { csrfField, type PageContext, type View } from './layout.ts';

export interface ThresholdsData {
  readonly model: ModelRow;
  readonly plot: PlotTypeRow;
  /** The validation images with the model's verdict on each; null when the model kept no predictions. */
  readonly samples: readonly ThresholdSample[] | null;
  /** A threshold being tried (not saved) on one label. */
  readonly trying: { readonly label: string; readonly threshold: number } | null;
  readonly mayAct: boolean;
}

export interface ThresholdsNotice {
  readonly ok?: string;
  readonly problem?: string;
}

export const thresholdsHref = (modelId: string, q: Record<string, string> = {}) =>
  href(['library', 'models', modelId, 'thresholds'], q);

const CW = 420;
const CH = 200;
const P = { left: 40, right: 12, top: 14, bottom: 26 } as const;
export const THRESHOLD_SERIES = [
  { key: 'precision', label: 'precision', colour: '#3fb950' },
  { key: 'recall', label: 'recall', colour: '#6cb6ff' },
  { key: 'unconfirmed', label: 'share Unconfirmed', colour: '#ffb020' },
] as const;

/** A threshold as the inputs show it (they step by 0.001; a trained one has more digits). */
const shown = (t: number): string => String(Math.round(t * 1000) / 1000);
const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);

/** Precision, recall and the share of Unconfirmed over thresholds 0–1, the saved threshold and the one tried. */
function curveSvg(curve: readonly ThresholdEffect[], saved: number, tried: number, label: string): Html {
  const [x0, x1, y0, y1] = [P.left, CW - P.right, CH - P.bottom, P.top];
  const x = (t: number) => x0 + t * (x1 - x0);
  const y = (v: number) => y0 - v * (y0 - y1);
  const f = (n: number) => n.toFixed(1);
  const grid = [0, 0.5, 1].map(
    (v) =>
      html`<line class="grid" x1="${x0}" x2="${x1}" y1="${f(y(v))}" y2="${f(y(v))}"/><text class="ylab" x="${x0 - 5}" y="${f(y(v) + 4)}">${v.toFixed(1)}</text><text class="xlab" x="${f(x(v))}" y="${y0 + 17}">${v.toFixed(1)}</text>`,
  );
  const lines = THRESHOLD_SERIES.map((s) => {
    const pts = curve.flatMap((p) => {
      const v = p[s.key];
      return v === null ? [] : [`${f(x(p.threshold))},${f(y(v))}`];
    });
    return html`<polyline class="series" data-series="${s.key}" style="stroke:${s.colour}" points="${pts.join(' ')}"><title>${s.label}</title></polyline>`;
  });
  const mark = (t: number, cls: string, text: string) =>
    html`<line class="${cls}" x1="${f(x(t))}" x2="${f(x(t))}" y1="${y1}" y2="${y0}"><title>${text} ${t.toFixed(3)}</title></line>`;
  return html`<svg class="chart threshold-curve" viewBox="0 0 ${CW} ${CH}" role="img" aria-label="precision and recall of ${label} over its threshold">
<rect class="plotarea" x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}"/>
${grid}${lines}${mark(saved, 'run', 'saved threshold')}${tried !== saved ? mark(tried, 'tried', 'tried threshold') : ''}
<text class="axislab" x="${x1 - 4}" y="${y0 - 6}" text-anchor="end">threshold</text>
</svg>`;
}

const legend = html`<p class="legend">${THRESHOLD_SERIES.map((s) => html`<span class="key"><span class="swatch" style="background:${s.colour}"></span>${s.label}</span>`)}<span class="key">dashed: saved, bright: tried</span></p>`;

function effectLine(e: ThresholdEffect, what: string): Html {
  return html`<tr><th scope="row">${what} ${e.threshold.toFixed(3)}</th><td class="precision">${pct(e.precision)}</td><td class="recall">${pct(e.recall)}</td><td class="unconfirmed">${pct(e.unconfirmed)} <span class="muted">(${e.unconfirmedCount} of ${e.total})</span></td></tr>`;
}

/** A label's curve and what the tried threshold gives against the saved one: what htmx swaps while dragging. */
export function effectBox(d: ThresholdsData, label: string): Html {
  const saved = d.model.thresholds[label] ?? 0.5;
  const tried = d.trying?.label === label ? d.trying.threshold : saved;
  if (!d.samples)
    return html`<div class="threshold-effect" id="effect-${label}"><p class="muted">This model kept no validation predictions (imported, or trained before they were kept): its thresholds can be set, but their effect cannot be shown.</p></div>`;
  const now = thresholdEffect(d.samples, d.model.thresholds, label, saved);
  const then = thresholdEffect(d.samples, d.model.thresholds, label, tried);
  const trained = d.model.evaluation?.thresholds[label];
  return html`<div class="threshold-effect" id="effect-${label}" data-tried="${tried}">
<figure class="chart-box">${curveSvg(thresholdCurve(d.samples, d.model.thresholds, label), saved, tried, label)}<figcaption>${legend}</figcaption></figure>
<table class="metrics effect"><thead><tr><th></th><th>precision</th><th>recall</th><th>Unconfirmed</th></tr></thead><tbody>
${effectLine(now, 'saved')}${tried !== saved ? effectLine(then, 'tried') : ''}
</tbody></table>
${trained !== undefined && trained !== saved ? html`<p class="muted">From training: ${trained.toFixed(3)}.</p>` : ''}
</div>`;
}

function labelSection(d: ThresholdsData, label: string, ctx: PageContext): Html {
  const saved = d.model.thresholds[label] ?? 0.5;
  const tried = d.trying?.label === label ? d.trying.threshold : saved;
  const url = thresholdsHref(d.model.modelId);
  const inputs = html`<fieldset class="threshold-inputs" hx-get="${url}" hx-trigger="input delay:80ms" hx-target="#effect-${label}" hx-swap="outerHTML">
<input type="hidden" name="label" value="${label}">
<input type="range" min="0" max="1" step="0.001" value="${shown(tried)}" aria-label="${label} threshold (drag)"${d.mayAct ? '' : ' disabled'}>
<input type="number" name="threshold" min="0" max="1" step="0.001" value="${shown(tried)}" aria-label="${label} threshold"${d.mayAct ? '' : ' disabled'}>
</fieldset>`;
  const body = d.mayAct
    ? html`<form method="post" action="${url}" class="threshold-form">${csrfField(ctx)}${inputs}
<input name="comment" maxlength="2000" placeholder="why (kept with the change)" aria-label="why the ${label} threshold changes">
<button type="submit" class="primary">Save ${label} threshold</button></form>`
    : html`<p>Threshold <strong>${saved.toFixed(3)}</strong>.</p>`;
  return html`<section class="threshold" data-label="${label}"><h2>${label}</h2>${body}${effectBox(d, label)}</section>`;
}

/** A model's confirmation thresholds, per label: the curve from validation, what a new one gives, and saving it. */
export function thresholdsView(d: ThresholdsData, ctx: PageContext, n: ThresholdsNotice = {}): View {
  const m = d.model;
  const main = html`<section class="thresholds" data-model="${m.modelId}">
<h1>Thresholds · ${m.modelId}</h1>
<p>${statusBadge(m)} <a href="${href(['library'], { plot: m.plotType })}#model-${m.modelId}">back to the Library of ${m.plotType}</a></p>
${n.ok ? html`<p class="flash" role="status">${n.ok}</p>` : ''}
${n.problem ? html`<p class="flash bad" role="alert">${n.problem}</p>` : ''}
<p class="muted">A verdict is confirmed when its label's score is above that label's threshold; below it the image is
Unconfirmed and goes to the labelling queue. The curves come from the model's ${d.samples ? d.samples.length : 'no'}
validation images; a saved change applies to the verdicts after it.</p>
${m.labels.map((l) => labelSection(d, l, ctx))}
</section>`;
  const partial = d.trying ? effectBox(d, d.trying.label) : undefined;
  return { page: 'library', title: `Thresholds · ${m.modelId}`, main, ...(partial ? { partial } : {}) };
}
