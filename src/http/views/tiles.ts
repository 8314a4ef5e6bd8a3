import type { Tile } from '../board.ts';
import { ago, clock, inkOn, percent, when } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { streakCountText } from '../../verdicts/streak.ts';
import type { ViewContext } from './layout.ts';

export const imageUrl = (sha: string) => href(['blobs', sha]);
export const thumbUrl = (sha: string) => href(['blobs', sha, 'thumb']);
/** An arrival's page (an image id opens its latest arrival). */
export const detailUrl = (arrivalId: string) => href(['images', arrivalId]);

/** `<time>` the pages' script keeps relative ("3 min ago"); the absolute time is in its title. */
export function rel(iso: string, ctx: ViewContext): Html {
  return html`<time datetime="${iso}" data-rel title="${when(iso, ctx.tz, ctx.now)} ${ctx.tz}">${ago(iso, ctx.now)}</time>`;
}

export function labelBadge(label: string, colour: string | null, confidence: number | null, unconfirmed = false): Html {
  const c = colour ?? '#5a6878';
  return html`<span class="badge${unconfirmed ? ' unconfirmed' : ''}" style="--label:${c};--ink:${inkOn(c)}">${unconfirmed ? html`<b>Unconfirmed</b> ` : ''}${label}${confidence !== null ? html` <span class="conf">${percent(confidence)}</span>` : ''}</span>`;
}

function verdictBadge(t: Tile): Html {
  switch (t.state) {
    case 'bad':
    case 'ok':
      return labelBadge(t.label ?? '?', t.colour, t.confidence);
    case 'unconfirmed':
      return labelBadge(t.label ?? '?', t.colour, t.confidence, true);
    case 'failed':
      return html`<span class="badge failed">Failed</span>`;
    case 'skipped':
      return html`<span class="badge muted">Not classified</span>`;
    case 'pending':
      return html`<span class="badge muted">Awaiting verdict</span>`;
    case 'empty':
      return html`<span class="badge muted">No image yet</span>`;
  }
}

export function tile(t: Tile, ctx: ViewContext): Html {
  const link = t.arrivalId ? detailUrl(t.arrivalId) : null;
  const colour = t.colour ?? '#3a4656';
  const cls = `tile s-${t.state}${t.stale ? ' stale' : ''}`;
  const body = html`<div class="frame">
${t.imageId ? html`<img class="plot" src="${thumbUrl(t.imageId)}" alt="latest ${t.plotType} image" width="480" height="360" decoding="async">` : html`<div class="noimage">no image yet</div>`}
${t.heatmap ? html`<img class="heat" src="${imageUrl(t.heatmap)}" alt="" aria-hidden="true">` : ''}
${verdictBadge(t)}
${t.stale && t.lastArrivedAt ? html`<span class="stale-badge">no image for ${ago(t.lastArrivedAt, ctx.now).replace(' ago', '')}</span>` : ''}
</div>
<div class="caption">
<span class="name" title="${t.title ? `${t.title} (${t.plotType})` : t.plotType}">${t.title ?? t.plotType}</span>
<span class="meta"><span>${t.arrivedAt ? rel(t.arrivedAt, ctx) : '–'}</span>${t.run !== null ? html` · <span>run ${t.run}</span>` : ''}${t.chunk !== null ? html` · <span>chunk ${t.chunk}</span>` : ''}</span>
${t.streakSince && (t.state === 'bad' || t.state === 'unconfirmed') ? html`<span class="streak">${t.label ?? 'Bad'} since ${clock(t.streakSince, ctx.tz)} · ${streakCountText(t.streak)}</span>` : ''}
${t.state === 'failed' || t.state === 'skipped' ? html`<span class="reason">${t.reason ?? ''}</span>` : ''}
</div>`;
  const attrs = html`id="tile-${t.plotType}" class="${cls}" style="--label:${colour}" data-plot="${t.plotType}" data-state="${t.state}"`;
  return link
    ? html`<a ${attrs} href="${link}" hx-get="${link}" hx-target="#detail">${body}</a>`
    : html`<div ${attrs}>${body}</div>`;
}
