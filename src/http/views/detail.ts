import type { TileLabel } from '../../projections/plot-status/table.ts';
import { meaningOf, problemsOf } from '../../verdicts/semantics.ts';
import type { HistoryPoint, ImageDetail } from '../queries/detail.ts';
import { dateTime, percent } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import type { View, ViewContext } from './layout.ts';
import { detailUrl, imageUrl, labelBadge } from './tiles.ts';

function colourOf(labels: readonly TileLabel[], label: string | null): string {
  return labels.find((l) => l.name === label)?.colour ?? '#5a6878';
}

function scoreBars(scores: Record<string, number>, labels: readonly TileLabel[], verdict: string | null): Html {
  const rows = Object.entries(scores).sort((a, b) => b[1] - a[1]);
  return html`<table class="scores"><caption>Scores</caption>${rows.map(([label, score]) => {
    const c = colourOf(labels, label);
    return html`<tr${label === verdict ? html` class="verdict"` : ''}><th scope="row">${label}</th><td><span class="bar" style="--label:${c};--w:${Math.round(score * 1000) / 10}%"></span></td><td class="num">${percent(score)}</td></tr>`;
  })}</table>`;
}

function historyStrip(
  points: readonly HistoryPoint[],
  labels: readonly TileLabel[],
  current: string,
  ctx: ViewContext,
): Html {
  const ordered = [...points].reverse();
  const problems = problemsOf(labels);
  const bad = [...problems];
  const w = 480;
  const h = 60;
  const step = ordered.length > 1 ? w / (ordered.length - 1) : w;
  const line = ordered
    .map((p, i) => {
      const s = Math.max(0, ...bad.map((b) => p.scores?.[b] ?? 0));
      return `${(i * step).toFixed(1)},${(h - s * h).toFixed(1)}`;
    })
    .join(' ');
  const squares = ordered.map((p) => {
    const meaning =
      p.status === 'classified'
        ? meaningOf(problems, { verdict: p.verdict ?? '', confirmed: p.confirmed ?? false })
        : null;
    const state = meaning === null ? 'none' : meaning === 'good' ? 'ok' : meaning;
    const c = p.verdict ? colourOf(labels, p.verdict) : '#3a4656';
    const title = `${dateTime(p.at, ctx.tz, true)} · ${p.status === 'classified' ? `${p.confirmed ? '' : 'Unconfirmed '}${p.verdict} ${percent(p.confidence)}` : p.status}${p.run !== null ? ` · run ${p.run} chunk ${p.chunk}` : ''}`;
    return html`<a class="sq s-${state}${p.arrivalId === current ? ' current' : ''}" style="--label:${c}" href="${detailUrl(p.arrivalId)}" hx-get="${detailUrl(p.arrivalId)}" hx-target="#detail" title="${title}" aria-label="${title}"></a>`;
  });
  return html`<section class="history"><h3>Recent history <span class="muted">(oldest left, ${ordered.length} verdicts)</span></h3>
<div class="squares">${squares}</div>
${bad.length && ordered.length > 1 ? html`<svg class="spark" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-label="${bad.join('/')} score over the recent verdicts"><line x1="0" y1="${h / 2}" x2="${w}" y2="${h / 2}" class="mid"/><polyline points="${line}" style="stroke:${colourOf(labels, bad[0]!)}"/></svg>` : ''}
</section>`;
}

/** One image: full size with its heatmap, every label's score, where it came from, and the plot type's recent history. */
export function detailPanel(d: ImageDetail, ctx: ViewContext, overlay: boolean): Html {
  const v = d.image;
  const labels = d.plot?.labels ?? [];
  const title = d.plot?.title ?? v.plotType;
  const badge =
    v.status === 'classified'
      ? labelBadge(v.verdict ?? '?', colourOf(labels, v.verdict), v.confidence, !v.confirmed)
      : html`<span class="badge muted">${v.status === 'pending' ? 'Awaiting verdict' : v.status === 'failed' ? 'Failed' : 'Not classified'}</span>`;
  const close = overlay
    ? html`<button type="button" class="close" data-close-detail aria-label="Close">✕</button>`
    : html`<a class="close" href="/" aria-label="Back to the Run page">✕</a>`;
  const fact = (k: string, value: Html | string | number | null | undefined) =>
    value === null || value === undefined || value === '' ? '' : html`<dt>${k}</dt><dd>${value}</dd>`;
  const t = v.timings;
  return html`<article class="detail${overlay ? ' overlay' : ''}" role="dialog" aria-modal="${overlay ? 'true' : 'false'}" aria-labelledby="detail-title" data-image="${v.imageId}">
<header><h2 id="detail-title">${title}${title !== v.plotType ? html` <small>${v.plotType}</small>` : ''}</h2>${badge}
<span class="heat-controls"><label class="toggle"><input type="checkbox" class="heat-toggle"> Heatmap</label> <input type="range" class="heat-opacity" min="0" max="100" value="60" aria-label="heatmap opacity"></span>
${close}</header>
<div class="detail-body">
<figure class="frame big"><a href="${imageUrl(v.imageId)}" target="_blank" rel="noopener"><img class="plot" src="${imageUrl(v.imageId)}" alt="${v.plotType} image"></a>${v.heatmap ? html`<img class="heat" src="${imageUrl(v.heatmap)}" alt="" aria-hidden="true">` : ''}</figure>
<aside>
${v.scores ? scoreBars(v.scores, labels, v.verdict) : html`<p class="muted">${v.reason ?? 'No scores.'}</p>`}
<dl class="facts">
${fact('Detector', d.plot?.detector)}
${fact('Run', v.run)}${fact('Chunk', v.chunk)}${fact('Pad', v.pad)}${fact('Run period', v.runPeriod)}
${fact('Arrived', v.arrivedAt ? dateTime(v.arrivedAt, ctx.tz, true) : null)}
${fact('Decided', v.decidedAt ? dateTime(v.decidedAt, ctx.tz, true) : null)}
${fact('Model', v.modelId)}
${fact('Heatmap', v.heatmap ? 'yes' : v.status === 'classified' ? 'none' : null)}
${fact('Masked', v.masks?.length ? v.masks.map((m) => `x ${m.x} y ${m.y} ${m.width}×${m.height}`).join(' · ') : null)}
${fact(
  'Timings',
  t
    ? Object.entries(t)
        .map(([k, ms]) => `${k.replace(/Ms$/, '')} ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`)
        .join(' · ')
    : null,
)}
${fact('Worker', v.worker)}
${fact('Reason', v.status !== 'classified' ? v.reason : null)}
${fact('Image', html`<code class="sha">${v.imageId.slice(0, 16)}…</code>`)}
${fact('Arrival', v.arrivalId !== v.imageId ? html`<code class="sha">${v.arrivalId.slice(0, 16)}…</code>` : null)}
</dl>
<p class="links"><a href="${href(['timeline'], { plot: v.plotType })}">Timeline of ${v.plotType}</a> · <a href="${href(['log'], { plot: v.plotType })}">Log of ${v.plotType}</a></p>
${historyStrip(d.history, labels, v.arrivalId, ctx)}
</aside>
</div>
</article>`;
}

export function detailView(d: ImageDetail, ctx: ViewContext): View {
  return {
    page: 'detail',
    title: `${d.image.plotType} · ${d.image.verdict ?? d.image.status}`,
    main: detailPanel(d, ctx, false),
    partial: html`<div class="backdrop" data-close-detail></div>${detailPanel(d, ctx, true)}`,
  };
}
