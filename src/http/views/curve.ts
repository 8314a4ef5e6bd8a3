import { html, type Html } from '../html.ts';

/** One epoch of a training curve (training.progress as the trainings read model keeps it). */
export interface CurveEpoch {
  readonly epoch: number;
  readonly loss: number;
  readonly valLoss?: number | undefined;
  readonly valAccuracy: number;
  /** Added by newer trainers; drawn when present. */
  readonly valBalancedAccuracy?: number | undefined;
}

export interface CurveSpec {
  readonly epochs: readonly CurveEpoch[];
  /** The epoch count asked for: the x axis reaches it while a run is still going. */
  readonly planned?: number;
  /** The epoch the model was kept from. */
  readonly best?: number;
  readonly title: string;
}

const CW = 560;
const CH = 220;
const P = { left: 40, right: 46, top: 24, bottom: 26 } as const;

/** The series a curve draws, with their colours: the page's legend says the same. */
export const CURVE_SERIES = [
  { key: 'valAccuracy', label: 'validation accuracy', colour: '#3fb950', axis: 'share' },
  { key: 'valBalancedAccuracy', label: 'validation balanced accuracy', colour: '#6cb6ff', axis: 'share' },
  { key: 'loss', label: 'training loss', colour: '#ffb020', axis: 'loss' },
  { key: 'valLoss', label: 'validation loss', colour: '#ff7b72', axis: 'loss' },
] as const;

/**
 * Server-rendered SVG of a training run per epoch: accuracies on 0–1 (left axis), losses on 0–their maximum
 * (right axis), the kept epoch as a dashed line.
 */
export function curveSvg(c: CurveSpec): Html {
  const x0 = P.left;
  const x1 = CW - P.right;
  const y0 = CH - P.bottom;
  const y1 = P.top;
  const last = Math.max(1, c.planned ?? 0, ...c.epochs.map((e) => e.epoch));
  const first = Math.min(1, ...c.epochs.map((e) => e.epoch));
  const maxLoss = Math.max(1e-9, ...c.epochs.flatMap((e) => [e.loss, e.valLoss ?? 0]).filter(Number.isFinite));
  const x = (n: number) => x0 + ((n - first) / Math.max(1, last - first)) * (x1 - x0);
  const y = (v: number) => y0 - Math.min(1, Math.max(0, v)) * (y0 - y1);
  const f = (n: number) => n.toFixed(1);
  const grid = [0, 0.25, 0.5, 0.75, 1].map(
    (v) =>
      html`<line class="grid" x1="${x0}" x2="${x1}" y1="${f(y(v))}" y2="${f(y(v))}"/><text class="ylab" x="${x0 - 5}" y="${f(y(v) + 4)}">${v.toFixed(2)}</text><text class="ylab right" x="${x1 + 5}" y="${f(y(v) + 4)}">${(v * maxLoss).toPrecision(2)}</text>`,
  );
  const step = Math.max(1, Math.ceil((last - first + 1) / 10));
  const ticks: Html[] = [];
  for (let n = first; n <= last; n += step)
    ticks.push(html`<text class="xlab" x="${f(x(n))}" y="${y0 + 17}">${n}</text>`);
  const lines = CURVE_SERIES.map((s) => {
    const pts = c.epochs
      .map((e) => ({ n: e.epoch, v: e[s.key] }))
      .filter((p): p is { n: number; v: number } => typeof p.v === 'number' && Number.isFinite(p.v));
    if (pts.length === 0) return '';
    const yv = (v: number) => y(s.axis === 'loss' ? v / maxLoss : v);
    const marks =
      pts.length === 1
        ? html`<circle cx="${f(x(pts[0]!.n))}" cy="${f(yv(pts[0]!.v))}" r="3" style="fill:${s.colour}"/>`
        : '';
    return html`<polyline class="series" data-series="${s.key}" style="stroke:${s.colour}" points="${pts.map((p) => `${f(x(p.n))},${f(yv(p.v))}`).join(' ')}"><title>${s.label}</title></polyline>${marks}`;
  });
  const best =
    c.best !== undefined
      ? html`<line class="run" x1="${f(x(c.best))}" x2="${f(x(c.best))}" y1="${y1 - 4}" y2="${y0}"/><text class="runlab" x="${f(x(c.best) + (x(c.best) > (x0 + x1) / 2 ? -3 : 3))}" y="${y1 - 8}" text-anchor="${x(c.best) > (x0 + x1) / 2 ? 'end' : 'start'}">kept: epoch ${c.best}</text>`
      : '';
  return html`<svg class="chart curve" viewBox="0 0 ${CW} ${CH}" role="img" aria-label="${c.title}">
<rect class="plotarea" x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}"/>
${grid}${ticks}${best}${lines}
<text class="axislab" x="${x1}" y="${CH - 2}" text-anchor="end">epoch</text>
</svg>`;
}

/** The legend under a curve: only the series it has. */
export function curveLegend(epochs: readonly CurveEpoch[]): Html {
  const present = CURVE_SERIES.filter((s) => epochs.some((e) => typeof e[s.key] === 'number'));
  return html`<p class="legend">${present.map((s) => html`<span class="key"><span class="swatch" style="background:${s.colour}"></span>${s.label}${s.axis === 'loss' ? ' (right axis)' : ''}</span>`)}</p>`;
}
