import type { PlotStatusRow } from '../../projections/plot-status/table.ts';
import { OUTCOME } from '../../verdicts/semantics.ts';
import { count, dateTime, duration, percent, toLocalInput } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { PAGE_SIZE, type LogData, type LogEntry, type LogFilter, type LogSummary } from '../queries/log.ts';
import { streakCountText } from '../../verdicts/streak.ts';
import type { View, ViewContext } from './layout.ts';
import { detailUrl, labelBadge, thumbUrl } from './tiles.ts';

/** The Log's query string as the user gave it (kept in links so a filtered view can be shared). */
export interface LogParams {
  readonly from?: string;
  readonly to?: string;
  readonly hours?: number;
  readonly runFrom?: number;
  readonly runTo?: number;
  readonly detector?: string;
  readonly plot?: string;
  readonly kind: LogFilter['kind'];
  readonly page: number;
}

const link = (p: LogParams, over: Partial<LogParams> = {}) =>
  href(['log'], {
    ...p,
    ...over,
    page: (over.page ?? p.page) === 1 ? undefined : (over.page ?? p.page),
    kind: (over.kind ?? p.kind) === 'all' ? undefined : (over.kind ?? p.kind),
  });
const nav = (url: string, text: Html | string, attrs: Html | string = '') =>
  html`<a href="${url}" hx-get="${url}" hx-target="#main" hx-push-url="true" ${attrs}>${text}</a>`;

function filterForm(p: LogParams, f: LogFilter, plots: readonly PlotStatusRow[], ctx: ViewContext): Html {
  const detectors = [...new Set(plots.map((x) => x.detector).filter((d): d is string => d !== null))].sort();
  const opt = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  return html`<form class="filters" method="get" action="/log" hx-get="/log" hx-target="#main" hx-push-url="true">
<label>From <input type="datetime-local" name="from" value="${p.from ? toLocalInput(f.from!, ctx.tz) : ''}"></label>
<label>To <input type="datetime-local" name="to" value="${p.to ? toLocalInput(f.to!, ctx.tz) : ''}"></label>
<label>or runs <span class="runs"><input type="number" name="runFrom" min="0" value="${p.runFrom ?? ''}" placeholder="first" class="run" aria-label="first run"> – <input type="number" name="runTo" min="0" value="${p.runTo ?? ''}" placeholder="last" class="run" aria-label="last run"></span></label>
<label>Detector <select name="detector">${opt('', 'all', !p.detector)}${detectors.map((d) => opt(d, d, d === p.detector))}</select></label>
<label>Plot type <select name="plot">${opt('', 'all', !p.plot)}${plots
    .map((x) => x.plotType)
    .sort()
    .map((n) => opt(n, n, n === p.plot))}</select></label>
<label>Show <select name="kind">${opt('all', 'Bad and Unconfirmed', p.kind === 'all')}${opt('bad', 'confirmed Bad', p.kind === 'bad')}${opt('unconfirmed', 'Unconfirmed', p.kind === 'unconfirmed')}</select></label>
<button type="submit">Apply</button>
${nav('/log', 'last 24 h', html`class="button-link"`)}
</form>`;
}

function streakCell(plot: PlotStatusRow | undefined, ctx: ViewContext): Html {
  if (!plot?.streakSince || !plot.streakImageId) {
    if (plot?.status === 'classified' && plot.confirmed === false)
      return html`<span class="now-unconfirmed">Unconfirmed now: ${plot.verdict ?? '?'} ${percent(plot.confidence)}</span>`;
    return html`<span class="muted">${plot?.status === 'classified' ? `${plot.verdict ?? 'OK'} now` : 'no current problem'}</span>`;
  }
  return html`<a class="streak-start" href="${detailUrl(plot.streakArrivalId ?? plot.streakImageId)}" hx-get="${detailUrl(plot.streakArrivalId ?? plot.streakImageId)}" hx-target="#detail">${plot.streakLabel ?? 'Bad'} since <strong>${dateTime(plot.streakSince, ctx.tz, true)}</strong></a>
<span class="muted">${plot.streakRun !== null ? `run ${plot.streakRun} chunk ${plot.streakChunk} · ` : ''}${streakCountText({ bad: plot.streakCount - plot.streakUnconfirmed, unconfirmed: plot.streakUnconfirmed })} · ${duration(ctx.now - Date.parse(plot.streakSince))}</span>`;
}

function summaryView(
  summary: readonly LogSummary[],
  byName: ReadonlyMap<string, PlotStatusRow>,
  p: LogParams,
  ctx: ViewContext,
): Html {
  if (summary.length === 0) return html``;
  const groups = new Map<string, LogSummary[]>();
  for (const s of summary) {
    const d = byName.get(s.plotType)?.detector ?? 'Not configured';
    groups.set(d, [...(groups.get(d) ?? []), s]);
  }
  return html`<table class="summary-table"><caption>By detector and plot type: when did the problem start?</caption>
<thead><tr><th>Plot type</th><th class="num">Bad</th><th class="num">Unconfirmed</th><th>First in range</th><th>Last in range</th><th>Current problem</th></tr></thead>
${[...groups]
  .sort(([a], [b]) => a.localeCompare(b))
  .map(
    ([detector, rows]) => html`<tbody><tr class="group-row"><th colspan="6">${detector}</th></tr>
${rows
  .sort((a, b) => (a.first ?? '').localeCompare(b.first ?? ''))
  .map((s) => {
    const plot = byName.get(s.plotType);
    return html`<tr id="sum-${s.plotType}" data-plot="${s.plotType}"><td>${nav(link(p, { plot: s.plotType, page: 1 }), plot?.title ?? s.plotType)}${plot?.title ? html` <small class="muted">${s.plotType}</small>` : ''}</td>
<td class="num">${s.total - s.unconfirmed}</td><td class="num">${s.unconfirmed}</td>
<td>${s.first ? dateTime(s.first, ctx.tz) : ''}</td><td>${s.last ? dateTime(s.last, ctx.tz) : ''}</td><td>${streakCell(plot, ctx)}</td></tr>`;
  })}</tbody>`,
  )}
</table>`;
}

function entryRow(e: LogEntry, plot: PlotStatusRow | undefined, ctx: ViewContext): Html {
  const colour = plot?.labels.find((l) => l.name === e.verdict)?.colour ?? null;
  const start = (plot?.streakArrivalId ?? plot?.streakImageId) === e.arrivalId;
  return html`<tr${start ? html` class="streak-start-row" data-streak-start` : ''}>
<td><time datetime="${e.at}">${dateTime(e.at, ctx.tz, true)}</time>${start ? html` <span class="tag">problem started</span>` : ''}</td>
<td>${plot?.detector ?? ''}</td><td>${plot?.title ?? e.plotType}</td><td class="num">${e.run ?? ''}</td><td class="num">${e.chunk ?? ''}</td>
<td>${labelBadge(e.verdict ?? '?', colour, e.confidence, e.outcome === OUTCOME.unconfirmed)}</td>
<td><a href="${detailUrl(e.arrivalId)}" hx-get="${detailUrl(e.arrivalId)}" hx-target="#detail"><img class="mini" src="${thumbUrl(e.imageId)}" alt="open ${e.plotType} image" loading="lazy" width="96" height="72"></a></td>
</tr>`;
}

export function logView(data: LogData, p: LogParams, f: LogFilter, ctx: ViewContext): View {
  const byName = new Map(data.plots.map((x) => [x.plotType, x]));
  const pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
  const range =
    f.runFrom !== undefined || f.runTo !== undefined
      ? `runs ${f.runFrom ?? '…'} to ${f.runTo ?? '…'}${f.from || f.to ? ', ' : ''}`
      : '';
  const window =
    f.from || f.to ? `${f.from ? dateTime(f.from, ctx.tz) : '…'} to ${f.to ? dateTime(f.to, ctx.tz) : 'now'}` : '';
  const pager =
    pages > 1
      ? html`<nav class="pager" aria-label="Log pages">
${p.page > 1 ? nav(link(p, { page: p.page - 1 }), '← newer') : ''} <span>page ${p.page} of ${pages}</span> ${p.page < pages ? nav(link(p, { page: p.page + 1 }), 'older →') : ''}
</nav>`
      : '';
  const main = html`<section class="log">
<h1>Log <span class="muted">${range}${window} ${ctx.tz}</span></h1>
${filterForm(p, f, data.plots, ctx)}
<p class="muted">${count(data.total)} ${f.kind === 'bad' ? 'confirmed Bad' : f.kind === 'unconfirmed' ? 'Unconfirmed' : 'confirmed Bad and Unconfirmed'} image${data.total === 1 ? '' : 's'}${p.detector ? ` in ${p.detector}` : ''}${p.plot ? ` of ${p.plot}` : ''}.</p>
${summaryView(data.summary, byName, p, ctx)}
${
  data.entries.length
    ? html`<table class="entries"><caption>Images, newest first</caption><thead><tr><th>Image time</th><th>Detector</th><th>Plot type</th><th class="num">Run</th><th class="num">Chunk</th><th>Verdict</th><th>Image</th></tr></thead>
<tbody>${data.entries.map((e) => entryRow(e, byName.get(e.plotType), ctx))}</tbody></table>`
    : html`<p class="empty-note">Nothing Bad or Unconfirmed here.</p>`
}
${pager}
</section>`;
  return { page: 'log', title: 'Log', main };
}
