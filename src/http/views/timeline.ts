import type { PlotStatusRow } from '../../projections/plot-status/table.ts';
import type { ScoreHourlyRow } from '../../projections/score-history/table.ts';
import { OUTCOME } from '../../verdicts/semantics.ts';
import { dateTime, percent } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import type { TimelineData } from '../queries/timeline.ts';
import { chartSvg, downsample, type Dot, type Series } from './chart.ts';
import type { View, ViewContext } from './layout.ts';
import { sustainSection } from './sustain.ts';
import { detailUrl } from './tiles.ts';

export const SPANS = {
  '1h': 3600_000,
  '6h': 6 * 3600_000,
  '24h': 86400_000,
  '3d': 3 * 86400_000,
  '7d': 7 * 86400_000,
  '30d': 30 * 86400_000,
  '1y': 365 * 86400_000,
} as const;
export type SpanName = keyof typeof SPANS;

export interface TimelineWindow {
  readonly plot: string | null;
  readonly from: number;
  readonly to: number;
}

const url = (w: TimelineWindow, from: number, to: number) =>
  href(['timeline'], {
    plot: w.plot,
    from: new Date(Math.round(from)).toISOString(),
    to: new Date(Math.round(to)).toISOString(),
  });
const go = (u: string, text: string, title = '') =>
  html`<a class="button-link" href="${u}" hx-get="${u}" hx-target="#main" hx-push-url="true"${title ? html` title="${title}"` : ''}>${text}</a>`;

function series(d: TimelineData, w: TimelineWindow): { series: Series[]; dots: Dot[] } {
  const labels = d.plot?.labels ?? [];
  const names = labels.length
    ? labels.map((l) => l.name)
    : [...new Set(d.raw.flatMap((p) => Object.keys(p.scores ?? {})))];
  const colour = (n: string) => labels.find((l) => l.name === n)?.colour ?? '#9fb0c3';
  const bad = new Set(labels.filter((l) => l.bad).map((l) => l.name));
  if (d.mode === 'hourly') {
    const at = (h: ScoreHourlyRow) => Date.parse(h.hour) + 1800_000;
    return {
      series: [
        ...names.map((n) => ({
          label: `${n} (hourly mean)`,
          colour: colour(n),
          points: d.hourly.map((h) => ({ t: at(h), v: (h.sums[n] ?? 0) / Math.max(1, h.n) })),
        })),
        ...names
          .filter((n) => bad.has(n))
          .map((n) => ({
            label: `${n} (hourly max)`,
            colour: colour(n),
            style: 'faint' as const,
            points: d.hourly.map((h) => ({ t: at(h), v: h.maxes[n] ?? 0 })),
          })),
      ],
      dots: [],
    };
  }
  const pts = d.raw.filter((p) => p.scores);
  const out = names.map((n) => ({
    label: n,
    colour: colour(n),
    points: downsample(
      pts.map((p) => ({ t: Date.parse(p.at), v: p.scores![n] ?? 0 })),
      w.from,
      w.to,
      500,
    ),
  }));
  const problems = pts.filter((p) => p.outcome === OUTCOME.unconfirmed || bad.has(p.outcome)).slice(-600);
  const dots = problems.map((p) => ({
    t: Date.parse(p.at),
    v: p.scores![p.verdict ?? ''] ?? 0,
    colour: colour(p.verdict ?? ''),
    hollow: p.outcome === OUTCOME.unconfirmed,
    href: detailUrl(p.arrivalId),
    title: `${p.outcome === OUTCOME.unconfirmed ? 'Unconfirmed ' : ''}${p.verdict} ${percent(p.scores![p.verdict ?? ''] ?? 0)} · run ${p.run ?? '?'} chunk ${p.chunk ?? '?'}`,
  }));
  return { series: out, dots };
}

function controls(w: TimelineWindow, plots: readonly PlotStatusRow[]): Html {
  const span = w.to - w.from;
  const mid = (w.from + w.to) / 2;
  const presets = (Object.keys(SPANS) as SpanName[]).map((s) =>
    go(href(['timeline'], { plot: w.plot, span: s }), s, `last ${s}`),
  );
  return html`<div class="timeline-controls">
<form method="get" action="/timeline" hx-get="/timeline" hx-target="#main" hx-push-url="true" hx-trigger="change">
<label>Plot type <select name="plot">${plots.map((p) => html`<option value="${p.plotType}"${p.plotType === w.plot ? html` selected` : ''}>${p.plotType}${p.detector ? ` (${p.detector})` : ''}</option>`)}</select></label>
<input type="hidden" name="from" value="${new Date(w.from).toISOString()}"><input type="hidden" name="to" value="${new Date(w.to).toISOString()}">
<noscript><button type="submit">Show</button></noscript>
</form>
<span class="group-buttons">${presets}</span>
<span class="group-buttons">${go(url(w, w.from - span / 2, w.to - span / 2), '←', 'earlier')}${go(url(w, mid - span / 4, mid + span / 4), '+', 'zoom in')}${go(url(w, mid - span, mid + span), '−', 'zoom out')}${go(url(w, w.from + span / 2, w.to + span / 2), '→', 'later')}</span>
</div>`;
}

function overview(
  plots: readonly PlotStatusRow[],
  rows: readonly Pick<ScoreHourlyRow, 'plotType' | 'hour' | 'maxes'>[],
  from: number,
  now: number,
): Html {
  const by = new Map<string, { t: number; v: number }[]>();
  for (const p of plots) {
    const bad = p.labels.length ? p.labels.filter((l) => l.bad).map((l) => l.name) : ['Bad'];
    const pts = rows
      .filter((r) => r.plotType === p.plotType)
      .map((r) => ({ t: Date.parse(r.hour), v: Math.max(0, ...bad.map((b) => r.maxes[b] ?? 0)) }))
      .sort((a, b) => a.t - b.t);
    by.set(p.plotType, pts);
  }
  const cells = plots
    .filter((p) => !p.hidden)
    .map((p) => {
      const pts = by.get(p.plotType) ?? [];
      const peak = Math.max(0, ...pts.map((q) => q.v));
      const poly = pts
        .map((q) => `${(((q.t - from) / (now - from)) * 200).toFixed(1)},${(40 - q.v * 40).toFixed(1)}`)
        .join(' ');
      const u = href(['timeline'], { plot: p.plotType, span: '24h' });
      return html`<a class="mini-chart${peak >= 0.5 ? ' hot' : ''}" href="${u}" hx-get="${u}" hx-target="#main" hx-push-url="true"><span>${p.plotType}</span>
<svg viewBox="0 0 200 40" preserveAspectRatio="none" aria-hidden="true"><line x1="0" x2="200" y1="20" y2="20" class="mid"/>${pts.length > 1 ? html`<polyline points="${poly}"/>` : pts.length === 1 ? html`<circle cx="${poly.split(',')[0]}" cy="${poly.split(',')[1]}" r="2.5"/>` : ''}</svg><span class="num">${pts.length ? percent(peak) : '–'}</span></a>`;
    });
  return html`<section class="overview"><h2>Every plot type, last 24 h <span class="muted">(highest problem-label score per hour)</span></h2><div class="mini-charts">${cells}</div></section>`;
}

export function timelineView(
  d: TimelineData,
  w: TimelineWindow,
  plots: readonly PlotStatusRow[],
  ov: readonly Pick<ScoreHourlyRow, 'plotType' | 'hour' | 'maxes'>[],
  ctx: ViewContext,
): View {
  const { series: s, dots } = series(d, w);
  const title = d.plot
    ? `${d.plot.title ?? d.plot.plotType}: label scores ${dateTime(new Date(w.from).toISOString(), ctx.tz)} to ${dateTime(new Date(w.to).toISOString(), ctx.tz)}`
    : 'No plot type';
  const legend = s
    .filter((x) => x.style !== 'faint')
    .map(
      (x) => html`<span class="legend-item"><span class="swatch" style="--label:${x.colour}"></span>${x.label}</span>`,
    );
  const main = html`<section class="timeline">
<h1>Timeline ${d.plot ? html`<span class="muted">${d.plot.title ?? d.plot.plotType}${d.plot.detector ? ` · ${d.plot.detector}` : ''}</span>` : ''}</h1>
${controls(w, plots)}
${
  d.plot
    ? html`<figure class="chart-box">${chartSvg({ from: w.from, to: w.to, series: s, markers: d.runs.map((r) => ({ t: Date.parse(r.firstArrivedAt), text: `run ${r.run}` })), dots, tz: ctx.tz, title })}
<figcaption>${legend} <span class="muted">${d.mode === 'hourly' ? 'hourly means; problem labels’ hourly maxima faint' : 'every verdict; dots: Bad (filled) and Unconfirmed (hollow), click to open'} · dashed lines: run starts · drag across the chart to zoom · ${ctx.tz}${d.truncated ? ' · showing the first 20,000 verdicts: zoom in for the rest' : ''}</span></figcaption></figure>`
    : html`<p class="empty-note">No plot types yet.</p>`
}
${d.plot ? sustainSection(d.sustain, ctx.tz) : ''}
${overview(plots, ov, ctx.now - 86400_000, ctx.now)}
</section>`;
  return { page: 'timeline', title: d.plot ? `Timeline · ${d.plot.plotType}` : 'Timeline', main };
}
