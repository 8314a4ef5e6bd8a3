import { rangeText } from '../../backfill/plan.ts';
import type { BackfillVerdictFilter } from '../../projections/backfills/queries.ts';
import type { BackfillRow, BackfillVerdictRow } from '../../projections/backfills/table.ts';
import type { ModelRow } from '../../projections/models/table.ts';
import type { PlotTypeRow } from '../../projections/plot-types/table.ts';
import { OUTCOME } from '../../verdicts/semantics.ts';
import { count, dateTime, inkOn, when } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { agreementText, backfillHref, progressText } from './backfill-forms.ts';
import type { PageContext, View } from './layout.ts';
import { statusBadge } from './library.ts';

export { backfillHref };

export const BACKFILL_PAGE_SIZE = 60;

export interface BackfillData {
  readonly backfill: BackfillRow;
  readonly model: ModelRow | null;
  readonly plot: PlotTypeRow | null;
  /** This page of its verdicts, changed ones first, and how many the filter holds. */
  readonly verdicts: readonly BackfillVerdictRow[];
  readonly shown: number;
  readonly page: number;
  readonly filter: BackfillVerdictFilter;
}

/** The query that keeps a page's filter (and page). */
const filterQuery = (f: BackfillVerdictFilter, page?: number): Record<string, string | number> => ({
  ...(f.changedOnly ? { changed: 'only' } : {}),
  ...(f.pair ? { had: f.pair.had, now: f.pair.now } : {}),
  ...(page !== undefined ? { page } : {}),
});

const FINAL = new Set(['completed', 'failed']);

/** A verdicts-table outcome on its label's colour (Unconfirmed and the rest muted). */
const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  [OUTCOME.unconfirmed]: 'Unconfirmed',
  [OUTCOME.pending]: 'no verdict',
  [OUTCOME.skipped]: 'skipped',
  [OUTCOME.failed]: 'failed',
};

function outcomeChip(outcome: string, colours: ReadonlyMap<string, string>): Html {
  const c = colours.get(outcome);
  if (!c) return html`<span class="chip-static outcome">${OUTCOME_WORDS[outcome] ?? outcome}</span>`;
  return html`<span class="chip-static outcome" style="background:${c};color:${inkOn(c)};border-color:${c}">${outcome}</span>`;
}

const coloursOf = (plot: PlotTypeRow | null) => new Map((plot?.spec.labels ?? []).map((l) => [l.name, l.colour]));

function progressBox(b: BackfillRow): Html {
  if (b.status === 'completed') return html``; // the summary says it all
  const total = b.total ?? 0;
  return html`<p class="backfill-progress" data-status="${b.status}">${b.status === 'running' && total ? html`<progress max="${total}" value="${b.done}"></progress> ` : ''}${progressText(b)}</p>`;
}

/** Had → now as a matrix: rows the outcome each arrival had, columns the backfill's; the diagonal agrees. */
function changeMatrix(b: BackfillRow, colours: ReadonlyMap<string, string>, f: BackfillVerdictFilter): Html {
  const pairs = b.pairs ?? [];
  if (pairs.length === 0) return html`<p class="muted">No arrival was judged.</p>`;
  // The plot type's labels in its order, then Unconfirmed and the outcomes without a verdict.
  const rank = (x: string) => {
    const i = [...colours.keys()].indexOf(x);
    return i >= 0 ? i : colours.size + Object.keys(OUTCOME_WORDS).indexOf(x) + 1;
  };
  const order = (xs: string[]) => [...new Set(xs)].sort((x, y) => rank(x) - rank(y) || x.localeCompare(y));
  const rows = order(pairs.map((p) => p.had));
  const cols = order(pairs.map((p) => p.now));
  const n = new Map(pairs.map((p) => [`${p.had}\n${p.now}`, p.count]));
  return html`<table class="confusion backfill-changes"><thead><tr><th class="corner">had ╲ now</th>${cols.map((c) => html`<th scope="col">${outcomeChip(c, colours)}</th>`)}</tr></thead><tbody>
${rows.map(
  (r) =>
    html`<tr><th scope="row">${outcomeChip(r, colours)}</th>${cols.map((c) => {
      const k = n.get(`${r}\n${c}`) ?? 0;
      const here = f.pair?.had === r && f.pair.now === c;
      const cell = html`<span class="count">${k}</span>`;
      const link = backfillHref(b.backfillId, { had: r, now: c });
      return html`<td class="${r === c ? 'hit' : k ? 'miss' : 'empty'}${here ? ' here' : ''}" data-pair="${r}→${c}">${k ? html`<a href="${link}#verdicts" title="had ${r}, now ${c}: ${k}">${cell}</a>` : cell}</td>`;
    })}</tr>`,
)}</tbody></table>`;
}

function summary(b: BackfillRow, colours: ReadonlyMap<string, string>, f: BackfillVerdictFilter): Html {
  if (b.status !== 'completed') return html``;
  return html`<section class="backfill-summary"><h2>Summary</h2>
<dl class="facts">
<dt>agreement</dt><dd><strong>${agreementText(b)}</strong> <span class="muted">of the arrivals that had a verdict, the same label and confirmation</span></dd>
<dt>changed</dt><dd><strong>${count(b.changed ?? 0)}</strong> of ${count(b.judged ?? 0)} judged</dd>
<dt>unreadable</dt><dd>${count(b.unreadable ?? 0)}</dd>
<dt>took</dt><dd>${b.startedAt && b.finishedAt ? `${((Date.parse(b.finishedAt) - Date.parse(b.startedAt)) / 1000).toFixed(1)} s` : '–'}</dd>
</dl>
<h3>Had → now</h3>${changeMatrix(b, colours, f)}
<p class="muted">Rows: the outcome each arrival had; columns: this model's. Click a cell to list its arrivals.</p></section>`;
}

const side = (
  what: string,
  outcome: string,
  confidence: number | null,
  model: string | null,
  colours: ReadonlyMap<string, string>,
) =>
  html`<p class="${what}"><span class="muted">${what}</span> ${outcomeChip(outcome, colours)}${confidence !== null ? html` ${confidence.toFixed(2)}` : ''}${model ? html` <span class="muted model">${model}</span>` : ''}</p>`;

function card(v: BackfillVerdictRow, d: BackfillData, ctx: PageContext, colours: ReadonlyMap<string, string>): Html {
  return html`<article class="report-card backfill-card${v.changed ? ' changed' : ''}" data-arrival="${v.arrivalId}" data-changed="${v.changed ? 'true' : 'false'}">
<a href="${href(['images', v.arrivalId])}"><img src="${href(['blobs', v.imageId, 'thumb'])}" alt="arrival ${v.arrivalId.slice(0, 12)}" loading="lazy"></a>
${side('had', v.hadOutcome, v.hadConfidence, v.hadModelId, colours)}
${side('now', v.outcome, v.confidence, d.backfill.modelId, colours)}
<p class="muted">${v.run !== null ? `run ${v.run} · ` : ''}${when(v.at, ctx.tz, ctx.now)}</p>
</article>`;
}

function pager(d: BackfillData): Html {
  const pages = Math.max(1, Math.ceil(d.shown / BACKFILL_PAGE_SIZE));
  if (pages === 1) return html``;
  const q = (page: number) => backfillHref(d.backfill.backfillId, filterQuery(d.filter, page));
  return html`<nav class="pager">${d.page > 1 ? html`<a href="${q(d.page - 1)}">← newer</a>` : ''} page ${d.page} of ${pages} ${d.page < pages ? html`<a href="${q(d.page + 1)}">more →</a>` : ''}</nav>`;
}

function verdictsSection(d: BackfillData, ctx: PageContext, colours: ReadonlyMap<string, string>): Html {
  const b = d.backfill;
  if (b.status === 'requested') return html``;
  const id = b.backfillId;
  const f = d.filter;
  const all = html`<a href="${backfillHref(id)}#verdicts">show all</a>`;
  const links =
    f.changedOnly || f.pair
      ? all
      : html`<a href="${backfillHref(id, { changed: 'only' })}#verdicts">only the changed ones</a>`;
  const title = f.pair
    ? html`Had ${outcomeChip(f.pair.had, colours)}, now ${outcomeChip(f.pair.now, colours)}`
    : f.changedOnly
      ? 'Changed verdicts'
      : 'Verdicts';
  return html`<section class="backfill-verdicts" id="verdicts"><h2>${title}: ${count(d.shown)} <span class="muted">${links}</span></h2>
<p class="muted">Each arrival with the verdict it had (its model then) and the one ${b.modelId} gives it now; changed ones first, then in arrival order. A click opens the arrival.</p>
<div class="cards">${d.verdicts.map((v) => card(v, d, ctx, colours))}</div>
${pager(d)}</section>`;
}

/** What a backfill's page holds below its heading; while it runs, htmx asks for it again every two seconds. */
export function backfillBody(d: BackfillData, ctx: PageContext): Html {
  const b = d.backfill;
  const colours = coloursOf(d.plot);
  const live = FINAL.has(b.status)
    ? ''
    : html` hx-get="${backfillHref(b.backfillId, filterQuery(d.filter, d.page))}" hx-trigger="load delay:2s" hx-swap="outerHTML"`;
  return html`<div id="backfill-body"${live}>
${progressBox(b)}
${summary(b, colours, d.filter)}
${verdictsSection(d, ctx, colours)}
</div>`;
}

/** One backfill: what was asked, how far it is, how the model's verdicts compare with those the arrivals had. */
export function backfillView(d: BackfillData, ctx: PageContext): View {
  const b = d.backfill;
  const library = href(['library'], { plot: b.plotType });
  const main = html`<section class="backfill" data-backfill="${b.backfillId}" data-status="${b.status}">
<h1>Backfill <span class="muted">${b.backfillId}</span></h1>
<p>Model <a href="${library}#model-${b.modelId}"><strong>${b.modelId}</strong></a> ${d.model ? statusBadge(d.model) : ''}
over <a href="${library}">${b.plotType}</a> ${rangeText({ runFrom: b.runFrom, runTo: b.runTo, from: b.fromAt ? dateTime(b.fromAt, ctx.tz) : null, to: b.toAt ? dateTime(b.toAt, ctx.tz) : null })}
<span class="muted">(at most ${count(b.maxImages)} arrivals)</span> · asked by ${b.requestedBy} ${when(b.requestedAt, ctx.tz, ctx.now)}</p>
<p class="muted">What this model would have said of these stored arrivals. Nothing here changes a verdict.</p>
${backfillBody(d, ctx)}
</section>`;
  // An htmx request for this page is the running backfill asking for its body again.
  return { page: 'library', title: `Backfill ${b.backfillId}`, main, partial: backfillBody(d, ctx) };
}
