import type { Board, RoleHealth } from '../board.ts';
import type { RunData } from '../queries/run.ts';
import { alarmArrivalId, type OpenAlarm } from '../../projections/alarms/queries.ts';
import { streakCountText } from '../../verdicts/streak.ts';
import type { NewsRow } from '../../projections/news/table.ts';
import { clock, duration, percent, when } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import type { View, ViewContext } from './layout.ts';
import { detailUrl, rel, tile } from './tiles.ts';

export function boardView(board: Board, ctx: ViewContext): Html {
  const c = board.counts;
  const summary = html`<div class="summary" aria-live="polite">
<span class="pill s-bad${c.bad ? ' on' : ''}">${c.bad} Bad</span>
<span class="pill s-unconfirmed${c.unconfirmed ? ' on' : ''}">${c.unconfirmed} Unconfirmed</span>
${c.failed ? html`<span class="pill s-failed on">${c.failed} Failed</span>` : ''}
<span class="pill s-ok">${c.ok} OK</span>
${c.pending + c.skipped + c.empty ? html`<span class="pill muted">${c.pending + c.skipped + c.empty} without verdict</span>` : ''}
</div>`;
  if (board.plotTypes === 0 && board.tucked.length === 0) {
    return html`${summary}<p class="empty-note">No plot types are configured yet. Define one (<code>plottype.defined</code>) and its images will appear here.</p>`;
  }
  const groups = board.groups.map(
    (
      g,
    ) => html`<section class="group${g.bad ? ' has-bad' : g.unconfirmed ? ' has-unconfirmed' : ''}" id="group-${slug(g.detector)}">
<h2>${g.detector}${g.bad ? html` <span class="pill s-bad on">${g.bad} Bad</span>` : ''}${g.unconfirmed ? html` <span class="pill s-unconfirmed on">${g.unconfirmed} Unconfirmed</span>` : ''}</h2>
<div class="tiles">${g.tiles.map((t) => tile(t, ctx))}</div>
</section>`,
  );
  const tucked = board.tucked.length
    ? html`<details class="tucked" id="tucked" data-remember><summary>Hidden and ignored plot types (${board.tucked.length})</summary><div class="tiles small">${board.tucked.map((t) => tile(t, ctx))}</div></details>`
    : '';
  return html`${summary}<div class="groups">${groups}</div>${tucked}`;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

/** The read models could not be read: since when, why, and when what is shown was read. */
export interface ReadTrouble {
  readonly since: number;
  readonly message: string;
  readonly shownFrom: number;
}

export function healthView(
  board: Board,
  roles: readonly RoleHealth[],
  parked: RunData['parked'],
  ctx: ViewContext,
  staleMs: number,
  unreadable?: ReadTrouble | null,
): Html {
  const down = roles.filter((r) => !r.live);
  const banners: Html[] = [];
  if (unreadable) {
    banners.push(
      html`<div class="banner critical" role="alert"><strong>The database does not answer</strong> (since ${when(new Date(unreadable.since).toISOString(), ctx.tz, ctx.now)}: ${unreadable.message}) — this page shows what it knew at ${clock(new Date(unreadable.shownFrom).toISOString(), ctx.tz)} and is not updating. Events are still recorded and alarms still raised while NATS is up.</div>`,
    );
  }
  if (board.plotTypes > 0 && board.stale) {
    banners.push(
      board.newestArrivalAt
        ? html`<div class="banner critical" role="alert"><strong>No new images for ${duration(ctx.now - Date.parse(board.newestArrivalAt))}</strong> — the last one arrived at ${when(board.newestArrivalAt, ctx.tz, ctx.now)}. Is the monitoring running and writing plots?</div>`
        : html`<div class="banner critical" role="alert"><strong>No images have arrived yet.</strong></div>`,
    );
  }
  for (const r of down) {
    banners.push(
      html`<div class="banner critical" role="alert"><strong>${r.role} is down</strong> — ${r.lastSeen ? html`last heartbeat ${when(r.lastSeen, ctx.tz, ctx.now)} from ${r.processes.map((p) => `${p.host}:${p.pid}`).join(', ')}` : 'no process is running it'}. Verdicts ${r.role === 'inference' ? 'will not' : 'may not'} arrive until it is back.</div>`,
    );
  }
  if (parked.length > 0) {
    const n = parked.reduce((sum, p) => sum + p.n, 0);
    const newest = parked
      .map((p) => p.newestAt ?? '')
      .sort()
      .at(-1)!;
    banners.push(
      html`<div class="banner warning" role="alert"><strong>${n === 1 ? '1 event' : `${n} events`} could not be applied</strong> by ${parked.map((p) => `${p.projection} (${p.n})`).join(', ')} in the last 24 h, the latest ${when(newest, ctx.tz, ctx.now)}: what these pages show may miss them. <a href="/status#dead-letters">See the dead letters on the Status page</a>.</div>`,
    );
  }
  const strip = html`<div class="strip">
<span class="fresh${board.stale ? ' bad' : ''}">Last image: ${board.newestArrivalAt ? html`${clock(board.newestArrivalAt, ctx.tz)} (${rel(board.newestArrivalAt, ctx)})` : 'none'}</span>
<span class="roles">${roles.map((r) => html`<span class="role ${r.live ? 'up' : 'down'}" title="${r.processes.map((p) => `${p.host}:${p.pid}`).join(', ') || 'no process'}">${r.role}</span>`)}</span>
<span class="muted">stale after ${Math.round(staleMs / 60000)} min</span>
</div>`;
  return html`${banners}${strip}`;
}

export function alarmsView(alarms: readonly OpenAlarm[], ctx: ViewContext): Html {
  if (alarms.length === 0) return html``;
  return html`<ul class="alarms">${alarms.map(
    (a) => html`<li class="alarm ${a.state}">
<a class="what" href="${detailUrl(alarmArrivalId(a))}" hx-get="${detailUrl(alarmArrivalId(a))}" hx-target="#detail"><strong>ALARM</strong> ${a.plotType} <span class="muted">(${a.detector})</span> — ${a.label} ${percent(a.confidence)}, since ${when(a.raisedAt, ctx.tz, ctx.now)} · run ${a.run} · <span class="count">${streakCountText({ bad: a.imageCount - a.unconfirmed, unconfirmed: a.unconfirmed })}</span></a>
${
  a.state === 'acknowledged'
    ? html`<span class="ack">acknowledged by ${a.acknowledgedBy ?? '?'}${a.comment ? html`: “${a.comment}”` : ''}</span>`
    : html`<a class="signin-to-act" href="/signin">Sign in to acknowledge</a><form class="ack-form" hx-post="${href(['alarms', a.alarmId, 'ack'])}" hx-swap="none" method="post" action="${href(['alarms', a.alarmId, 'ack'])}">
<input name="comment" maxlength="2000" placeholder="what you did (optional)" aria-label="comment">
<button type="submit">Acknowledge</button></form>`
}
</li>`,
  )}</ul>`;
}

export function newsView(news: NewsRow | null, ctx: ViewContext): Html {
  if (!news) return html``;
  return html`<div class="banner news ${news.level}" role="status"><span class="news-text">${news.text}</span> <span class="muted">— ${news.user}, ${when(news.postedAt, ctx.tz, ctx.now)}</span></div>`;
}

export interface RunParts {
  readonly board: Html;
  readonly health: Html;
  readonly alarms: Html;
  readonly news: Html;
}

export function runView(parts: RunParts): View {
  const main = html`<section class="run">
<div id="live" hx-sse:connect="/run/stream" hx-swap="none"></div>
<div id="news">${parts.news}</div>
<div id="health">${parts.health}</div>
<div id="alarms">${parts.alarms}</div>
<div class="toolbar">
<label class="toggle"><input type="checkbox" id="heat-toggle"> Heatmaps</label>
<label class="slider">opacity <input type="range" id="heat-opacity" min="0" max="100" value="60" aria-label="heatmap opacity"></label>
<label class="slider">tile size <input type="range" id="tile-size" min="160" max="480" step="20" value="240" aria-label="tile size"></label>
<span class="muted live-state" id="live-state">connecting…</span>
</div>
<div id="board">${parts.board}</div>
</section>`;
  return { page: 'run', title: 'Run', main };
}
