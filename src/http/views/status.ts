import type { Heartbeat } from '../../processes/heartbeat.ts';
import { heartbeatLive, rememberedHeartbeats } from '../board.ts';
import { count, dateTime, duration, when } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { NewsRow } from '../../projections/news/table.ts';
import type { StatusData } from '../queries/status.ts';
import { csrfField, type PageContext, type View } from './layout.ts';

const DAY = 86400_000;
/** Names without the namespace every one of them starts with. */
const short = (name: string, prefix: string) =>
  name.startsWith(`${prefix}_`) || name.startsWith(`${prefix}.`) ? name.slice(prefix.length + 1) : name;
const LEVELS = ['#161d27', '#0e4429', '#006d32', '#26a641', '#39d353'];

/** A year of arrivals per day, a column per week (GitHub-style), coloured by a log scale of the busiest day. */
export function calendar(perDay: readonly { day: string; arrivals: number }[], now: number): Html {
  const by = new Map(perDay.map((d) => [d.day, d.arrivals]));
  const max = Math.max(1, ...perDay.map((d) => d.arrivals));
  const today = Date.parse(new Date(now).toISOString().slice(0, 10));
  const start = today - 52 * 7 * DAY - new Date(today).getUTCDay() * DAY;
  const cells: Html[] = [];
  const months: Html[] = [];
  for (let t = start, i = 0; t <= today; t += DAY, i++) {
    const day = new Date(t).toISOString().slice(0, 10);
    const n = by.get(day) ?? 0;
    const level = n === 0 ? 0 : Math.min(4, 1 + Math.floor((Math.log1p(n) / Math.log1p(max)) * 3.999));
    const col = Math.floor(i / 7);
    cells.push(
      html`<rect x="${30 + col * 14}" y="${18 + (i % 7) * 14}" width="12" height="12" rx="2" fill="${LEVELS[level]!}"><title>${day}: ${count(n)} arrivals</title></rect>`,
    );
    if (day.endsWith('-01') && col < 51) months.push(html`<text x="${30 + col * 14}" y="12">${day.slice(0, 7)}</text>`);
  }
  const weekdays = ['Mon', 'Wed', 'Fri'].map((d, k) => html`<text x="0" y="${18 + (1 + 2 * k) * 14 + 10}">${d}</text>`);
  return html`<svg class="calendar" viewBox="0 0 ${30 + 53 * 14} ${18 + 7 * 14}" role="img" aria-label="arrivals per day over the last year">${months}${weekdays}${cells}</svg>
<p class="muted legend-scale">fewer ${LEVELS.map((c) => html`<span class="swatch" style="--label:${c}"></span>`)} more · busiest day ${count(max)} arrivals</p>`;
}

function perPlotTable(rows: StatusData['perPlotDay'], now: number): Html {
  const days = Array.from({ length: 14 }, (_, i) => new Date(now - (13 - i) * DAY).toISOString().slice(0, 10));
  const plots = [...new Set(rows.map((r) => r.plotType))].sort();
  if (plots.length === 0) return html`<p class="muted">No arrivals in the last 14 days.</p>`;
  const at = new Map(rows.map((r) => [`${r.plotType}|${r.day}`, r.arrivals]));
  return html`<div class="scroll"><table class="per-plot"><thead><tr><th>Plot type</th>${days.map((d) => html`<th>${d.slice(5)}</th>`)}</tr></thead><tbody>
${plots.map((p) => {
  const counts = days.map((d) => at.get(`${p}|${d}`) ?? 0);
  const max = Math.max(1, ...counts);
  return html`<tr><th>${p}</th>${counts.map((n) => html`<td style="--a:${(n / max).toFixed(2)}" class="${n === 0 ? 'zero' : ''}">${n ? count(n) : ''}</td>`)}</tr>`;
})}</tbody></table></div>`;
}

function histogramBars(h: Readonly<Record<string, number>> | undefined): Html {
  if (!h) return html``;
  const entries = Object.entries(h).sort((a, b) => Number(a[0]) - Number(b[0]));
  const max = Math.max(1, ...entries.map(([, n]) => n));
  return html`<span class="hist" title="${entries.map(([le, n]) => `≤${le} ms: ${n}`).join(', ')}">${entries.map(([, n]) => html`<span style="--h:${Math.round((n / max) * 100)}%"></span>`)}</span>`;
}

/** One word per durable consumer state, with the count; restarts and the last error in the title. */
function consumerStates(consumers: Heartbeat['stats'][string]['consumers']): Html {
  if (!consumers?.length) return html``;
  const byState = new Map<string, number>();
  for (const c of consumers) byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
  const troubled = consumers.filter((c) => c.restarts > 0 || c.state === 'restarting');
  const title = troubled
    .map((c) => `${c.durable}: ${c.restarts} restarts${c.lastError ? `, last: ${c.lastError}` : ''}`)
    .join('\n');
  return html`<span class="consumers${troubled.some((c) => c.state === 'restarting') ? ' bad' : ''}" title="${title}">${[...byState].map(([state, n]) => `${n} ${state}`).join(', ')}${troubled.length ? ` · ${troubled.reduce((a, c) => a + c.restarts, 0)} restarts` : ''}</span>`;
}

/** Host names and pids are for signed-in users only (they help an attacker more than an anonymous watcher). */
function processes(all: readonly Heartbeat[], ctx: PageContext): Html {
  const beats = rememberedHeartbeats(all, ctx.now);
  if (beats.length === 0) return html`<p class="banner critical">No Hydra process is reporting a heartbeat.</p>`;
  const where = ctx.user !== null;
  return html`<table class="procs"><thead><tr><th>State</th><th>Role</th>${where ? html`<th>Host</th><th class="num">PID</th>` : ''}<th>Up</th><th class="num">Handled</th><th class="num">Failed</th><th class="num">Last (ms)</th><th>Timing</th><th>Consumers</th><th>Last beat</th></tr></thead><tbody>
${beats.flatMap((b) => {
  const live = heartbeatLive(b, ctx.now);
  const roles = b.roles.length ? b.roles : ['(none)'];
  return roles.map((r) => {
    const s = b.stats[r];
    return html`<tr class="${live ? '' : 'down'}"><td><span class="role ${live ? 'up' : 'down'}">${live ? 'up' : 'silent'}</span></td><td>${r}</td>${where ? html`<td>${b.host}</td><td class="num">${b.pid}</td>` : ''}
<td>${duration(ctx.now - Date.parse(b.startedAt))}</td><td class="num">${s ? count(s.handled) : ''}</td><td class="num">${s ? count(s.failed) : ''}</td><td class="num">${s ? s.lastMs.toFixed(1) : ''}</td><td>${histogramBars(s?.histogram)}</td><td>${consumerStates(s?.consumers)}</td><td>${when(b.at, ctx.tz, ctx.now)}</td></tr>`;
  });
})}</tbody></table>`;
}

/** The news form, for Experts and Admins; everyone else sees what is up and who put it there. */
export function newsAdmin(news: NewsRow | null, ctx: PageContext, message = ''): Html {
  const now = html`<p class="muted">Now: ${news ? html`<q>${news.text}</q> (${news.level}, ${news.user})` : 'no banner'}</p>`;
  if (!ctx.user?.can.includes('expert'))
    return html`${now}<p class="muted">Experts and Admins set the banner${ctx.user ? '' : html` (<a href="/signin?next=/status">sign in</a>)`}.</p>`;
  return html`<form class="news-form" method="post" action="/news" hx-post="/news" hx-target="#news-admin" hx-swap="innerHTML">
${csrfField(ctx)}
${message ? html`<p class="flash" role="status">${message}</p>` : ''}
${now}
<label>Text <input name="text" maxlength="2000" required placeholder="e.g. Beam down for tuning until 14:00"></label>
<label>Level <select name="level"><option value="info">info</option><option value="warning">warning</option><option value="critical">critical</option></select></label>
<p class="muted">Posted as ${ctx.user.name}.</p>
<button type="submit" name="action" value="post">Post banner</button>
<button type="submit" name="action" value="clear" formnovalidate>Take banner down</button>
</form>`;
}

export function statusView(d: StatusData, beats: readonly Heartbeat[], news: NewsRow | null, ctx: PageContext): View {
  const lagging = d.projections.filter((p) => (p.pending ?? 0) > 0);
  const main = html`<section class="status">
<h1>Status</h1>
<section><h2>Processes <span class="muted">(heartbeats)</span></h2>${processes(beats, ctx)}</section>
<section><h2>Event stream</h2><p>${count(d.stream.messages)} events, ${(d.stream.bytes / 2 ** 20).toFixed(1)} MiB, last sequence ${count(d.stream.lastSeq)}. ${lagging.length ? html`<strong class="warn">${lagging.length} read model${lagging.length === 1 ? ' is' : 's are'} behind.</strong>` : 'Every read model is up to date.'}</p>
<div class="two-col"><table><caption>Read models</caption><thead><tr><th>Projection</th><th class="num">Checkpoint</th><th class="num">Behind</th><th>Updated</th></tr></thead><tbody>
${d.projections.map((p) => html`<tr class="${(p.pending ?? 0) > 0 ? 'lag' : ''}"><td>${p.name}${p.paused ? html` <span class="tag">paused</span>` : ''}</td><td class="num">${count(p.checkpoint)}</td><td class="num">${p.pending === null ? '–' : count(p.pending)}</td><td>${p.updatedAt ? when(p.updatedAt, ctx.tz, ctx.now) : '–'}</td></tr>`)}
</tbody></table>
<table><caption>Durable consumers ${d.ephemeral ? html`<span class="muted">(+${d.ephemeral} live readers)</span>` : ''}</caption><thead><tr><th>Consumer</th><th>Filter</th><th class="num">Pending</th><th class="num">Unacked</th><th class="num">Redelivered</th></tr></thead><tbody>
${d.consumers.map((c) => html`<tr class="${c.pending + c.ackPending > 0 ? 'lag' : ''}"><td title="${c.name}">${short(c.name, d.streamName)}</td><td>${short(c.filter, d.namespace) === '>' ? html`<span class="muted">every event</span>` : html`<code>${short(c.filter, d.namespace)}</code>`}</td><td class="num">${count(c.pending)}</td><td class="num">${count(c.ackPending)}</td><td class="num">${count(c.redelivered)}</td></tr>`)}
</tbody></table></div></section>
<section><h2>Arrivals per day</h2>${calendar(d.perDay, ctx.now)}<h3>Per plot type, last 14 days (UTC)</h3>${perPlotTable(d.perPlotDay, ctx.now)}</section>
<section id="dead-letters"><h2>Dead letters <span class="muted">(events a read model could not apply)</span></h2>
${
  d.deadLetters.length === 0
    ? html`<p>None.</p>`
    : html`<p>${d.deadLetterCounts.map((c) => `${c.projection}: ${count(c.n)}`).join(' · ')}</p>
<table class="dead"><thead><tr><th>Parked</th><th>Projection</th><th class="num">Seq</th><th>Type</th><th>Error</th><th>Payload</th></tr></thead><tbody>
${d.deadLetters.map((l) => html`<tr><td>${dateTime(l.parkedAt, ctx.tz, true)}</td><td>${l.projection}</td><td class="num">${l.seq}</td><td>${l.eventType ?? 'undecodable'}</td><td class="err">${l.error}</td><td>${ctx.user?.can.includes('admin') ? html`<code class="payload">${l.payload}</code>` : html`<span class="muted">for Admins</span>`}</td></tr>`)}
</tbody></table>`
}</section>
<section><h2>News banner</h2><div id="news-admin">${newsAdmin(news, ctx)}</div></section>
<p class="muted">For machines: <a href="/metrics">/metrics</a> (Prometheus) · <a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a></p>
</section>`;
  return { page: 'status', title: 'Status', main };
}
