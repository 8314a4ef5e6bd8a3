import { dateTime, clock } from '../format.ts';
import { html, type Html } from '../html.ts';

export interface Point {
  readonly t: number;
  readonly v: number;
}
export interface Series {
  readonly label: string;
  readonly colour: string;
  readonly points: readonly Point[];
  readonly style?: 'line' | 'faint';
}
export interface Marker {
  readonly t: number;
  readonly text: string;
}
export interface Dot {
  readonly t: number;
  readonly v: number;
  readonly colour: string;
  readonly hollow: boolean;
  readonly href: string;
  readonly title: string;
}

export interface ChartSpec {
  readonly from: number;
  readonly to: number;
  readonly series: readonly Series[];
  readonly markers: readonly Marker[];
  readonly dots: readonly Dot[];
  readonly tz: string;
  readonly title: string;
}

export const W = 1000;
export const H = 340;
export const PAD = { left: 46, right: 14, top: 26, bottom: 30 } as const;

const MIN = 60_000;
const STEPS = [
  MIN,
  5 * MIN,
  15 * MIN,
  30 * MIN,
  60 * MIN,
  3 * 60 * MIN,
  6 * 60 * MIN,
  12 * 60 * MIN,
  1440 * MIN,
  2 * 1440 * MIN,
  7 * 1440 * MIN,
  14 * 1440 * MIN,
  30 * 1440 * MIN,
  91 * 1440 * MIN,
];

/** Evenly spaced, round time ticks (at most `max`), aligned to the zone's wall clock for steps up to a day. */
export function timeTicks(from: number, to: number, tz: string, max = 8): { t: number; label: string }[] {
  const step = STEPS.find((s) => (to - from) / s <= max) ?? STEPS[STEPS.length - 1]!;
  const off =
    Date.parse(`${dateTime(new Date(from).toISOString(), tz, true).replace(' ', 'T')}Z`) -
    Math.floor(from / 1000) * 1000;
  const ticks: { t: number; label: string }[] = [];
  let lastDay = '';
  for (let t = Math.ceil((from + off) / step) * step - off; t <= to; t += step) {
    const iso = new Date(t).toISOString();
    const full = dateTime(iso, tz);
    const day = full.slice(0, 10);
    const label =
      step >= 1440 * MIN
        ? day.slice(5)
        : day !== lastDay
          ? `${day.slice(5)} ${full.slice(11)}`
          : clock(iso, tz).slice(0, 5);
    lastDay = day;
    ticks.push({ t, label });
  }
  return ticks;
}

/** Averages points into at most `buckets` equal time slices (a chart cannot show more than its pixels). */
export function downsample(points: readonly Point[], from: number, to: number, buckets: number): Point[] {
  if (points.length <= buckets * 2) return [...points];
  const size = (to - from) / buckets;
  const sums = new Map<number, { t: number; v: number; n: number }>();
  for (const p of points) {
    const b = Math.min(buckets - 1, Math.max(0, Math.floor((p.t - from) / size)));
    const s = sums.get(b) ?? { t: 0, v: 0, n: 0 };
    s.t += p.t;
    s.v += p.v;
    s.n += 1;
    sums.set(b, s);
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => ({ t: s.t / s.n, v: s.v / s.n }));
}

/** Server-rendered SVG: scores 0–1 against time, run boundaries as dashed lines, problem verdicts as dots. */
export function chartSvg(c: ChartSpec): Html {
  const x0 = PAD.left;
  const x1 = W - PAD.right;
  const y0 = H - PAD.bottom;
  const y1 = PAD.top;
  const x = (t: number) => x0 + ((t - c.from) / Math.max(1, c.to - c.from)) * (x1 - x0);
  const y = (v: number) => y0 - v * (y0 - y1);
  const f = (n: number) => n.toFixed(1);
  const grid = [0, 0.25, 0.5, 0.75, 1].map(
    (v) =>
      html`<line class="grid" x1="${x0}" x2="${x1}" y1="${f(y(v))}" y2="${f(y(v))}"/><text class="ylab" x="${x0 - 6}" y="${f(y(v) + 4)}">${v.toFixed(2)}</text>`,
  );
  const ticks = timeTicks(c.from, c.to, c.tz).map(
    (t) =>
      html`<line class="tick" x1="${f(x(t.t))}" x2="${f(x(t.t))}" y1="${y0}" y2="${y0 + 5}"/><text class="xlab" x="${f(x(t.t))}" y="${y0 + 19}">${t.label}</text>`,
  );
  const every = Math.max(1, Math.ceil(c.markers.length / 14));
  const markers = c.markers
    .filter((m) => m.t >= c.from && m.t <= c.to)
    .map(
      (m, i) =>
        html`<line class="run" x1="${f(x(m.t))}" x2="${f(x(m.t))}" y1="${y1 - 4}" y2="${y0}"/>${i % every === 0 ? html`<text class="runlab" x="${f(x(m.t) + 3)}" y="${y1 - 8}">${m.text}</text>` : ''}`,
    );
  const lines = c.series
    .filter((s) => s.points.length)
    .map(
      (s) =>
        html`<polyline class="series ${s.style ?? 'line'}" style="stroke:${s.colour}" points="${s.points.map((p) => `${f(x(p.t))},${f(y(p.v))}`).join(' ')}"><title>${s.label}</title></polyline>`,
    );
  const dots = c.dots.map(
    (d) =>
      html`<a href="${d.href}" hx-get="${d.href}" hx-target="#detail"><circle class="dot${d.hollow ? ' hollow' : ''}" cx="${f(x(d.t))}" cy="${f(y(d.v))}" r="4" style="--label:${d.colour}"><title>${d.title}</title></circle></a>`,
  );
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${c.title}" data-brush data-from="${c.from}" data-to="${c.to}" data-x0="${x0}" data-x1="${x1}" data-w="${W}">
<rect class="plotarea" x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}"/>
${grid}${ticks}${markers}${lines}${dots}
<rect class="brush" x="0" y="${y1}" width="0" height="${y0 - y1}"/>
</svg>`;
}
