import { rangeText } from '../../backfill/plan.ts';
import { BACKFILL_MAX_IMAGES } from '../../events/backfill.ts';
import type { BackfillRow } from '../../projections/backfills/table.ts';
import type { ModelRow } from '../../projections/models/table.ts';
import { DEFAULT_BACKFILL_LIMIT } from '../../backfill/request.ts';
import { count, dateTime, percent, when } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { csrfField, type PageContext } from './layout.ts';

/** The Library's side of backfills: the "Run over history" form on a model card, and the plot type's list. */

export const backfillHref = (id: string, q: Record<string, string | number> = {}) => href(['backfills', id], q);

/** Where a backfill stands, in one line: what the Library's list and the page's progress say. */
export function progressText(b: BackfillRow): string {
  if (b.status === 'requested') return 'waiting for a backfill worker';
  if (b.status === 'running') return `judged ${count(b.done)} of ${b.total === null ? '?' : count(b.total)}`;
  if (b.status === 'failed') return `failed (${b.failureCode}): ${b.failureReason ?? ''}`;
  return `${count(b.judged ?? 0)} judged`;
}

/** "agrees with 180 of 200 verdicts (90.0 %)" for a completed backfill. */
export function agreementText(b: BackfillRow): string {
  if (b.status !== 'completed' || b.compared === null || b.agreed === null) return '–';
  return `${count(b.agreed)} of ${count(b.compared)} (${percent(b.compared ? b.agreed / b.compared : null)})`;
}

/** "Run over history" for an Expert: runs from–to and/or local times from–to, and a limit. */
export function backfillForm(m: ModelRow, ctx: PageContext): Html {
  if (m.status === 'retired') return html``;
  const num = (name: string, label: string, placeholder: string) =>
    html`<label>${label} <input name="${name}" inputmode="numeric" placeholder="${placeholder}" size="8"></label>`;
  return html`<details class="backfill-form"><summary>Run over history</summary>
<form method="post" action="${href(['library', 'models', m.modelId, 'backfill'])}" class="stacked">${csrfField(ctx)}
<p class="muted">Judge stored arrivals of ${m.plotType} with ${m.modelId} and see them beside the verdicts they had. Give runs, times (${ctx.tz}), or both.</p>
${num('runFrom', 'Runs from', 'first run')}${num('runTo', 'to', 'last run')}
<label>From <input type="datetime-local" name="from" aria-label="arrivals from"></label>
<label>to <input type="datetime-local" name="to" aria-label="arrivals until"></label>
<label>At most <input name="limit" inputmode="numeric" placeholder="${DEFAULT_BACKFILL_LIMIT}" size="6"> arrivals <span class="muted">(up to ${count(BACKFILL_MAX_IMAGES)})</span></label>
<button type="submit">Run over history</button>
</form></details>`;
}

/** A plot type's backfills, newest first: model, range, who, where each stands, agreement and changes. */
export function backfillsTable(rows: readonly BackfillRow[], ctx: PageContext): Html {
  if (rows.length === 0) return html``;
  const range = (b: BackfillRow) =>
    rangeText({
      runFrom: b.runFrom,
      runTo: b.runTo,
      from: b.fromAt ? dateTime(b.fromAt, ctx.tz) : null,
      to: b.toAt ? dateTime(b.toAt, ctx.tz) : null,
    });
  return html`<h2>Runs over history</h2><div class="scroll"><table class="backfills"><thead><tr><th>backfill</th><th>model</th><th>range</th><th>asked</th><th>status</th><th>agreement</th><th>changed</th></tr></thead><tbody>
${rows.map(
  (
    b,
  ) => html`<tr class="backfill-${b.status}" data-backfill="${b.backfillId}"><th scope="row"><a href="${backfillHref(b.backfillId)}">${b.backfillId}</a></th>
<td><a href="#model-${b.modelId}">${b.modelId}</a></td><td>${range(b)}</td><td>${b.requestedBy}, ${when(b.requestedAt, ctx.tz, ctx.now)}</td>
<td>${progressText(b)}</td><td>${agreementText(b)}</td><td>${b.changed === null ? '–' : html`<a href="${backfillHref(b.backfillId, { changed: 'only' })}">${count(b.changed)}</a>`}</td></tr>`,
)}
</tbody></table></div>`;
}
