import type { PlotTypeSpec } from '../../events/plottype.ts';
import type { LabelHistoryRow, LabelQueueRow } from '../../projections/label-queue/table.ts';
import { dateTime, inkOn } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { PageContext } from './layout.ts';
import { thumbUrl } from './tiles.ts';

const GREY = '#5a6878';

function chip(spec: PlotTypeSpec | null, label: string | null): Html {
  if (label === null) return html`<span class="lh-none">no label</span>`;
  const colour = spec?.labels.find((l) => l.name === label)?.colour ?? GREY;
  return html`<b class="lh-chip" style="--label:${colour};--ink:${inkOn(colour)}">${label}</b>`;
}

/** What one history row says happened, in words: an undo says so, and whose label it gave back. */
function what(r: LabelHistoryRow, spec: PlotTypeSpec | null): Html {
  const by = r.by ?? r.user;
  const undo = r.undoes !== null;
  switch (r.kind) {
    case 'assigned':
      return undo
        ? html`<span class="lh-who">${by}</span> undid an apply: ${chip(spec, r.label)} back${by === r.user ? '' : html` (${r.user}’s)`}`
        : html`<span class="lh-who">${r.user}</span> labelled it ${chip(spec, r.label)}`;
    case 'retracted':
      return undo
        ? html`<span class="lh-who">${by}</span> undid an apply: ${chip(spec, r.label)} withdrawn`
        : html`<span class="lh-who">${by}</span> withdrew ${chip(spec, r.label)}`;
    case 'comment':
      return html`<span class="lh-who">${r.user}</span> commented: <q>${r.comment ?? ''}</q>`;
    case 'unsure':
      return html`<span class="lh-who">${r.user}</span> flagged it unsure${r.comment ? html`: <q>${r.comment}</q>` : ''}`;
    case 'sure':
      return html`<span class="lh-who">${r.user}</span> cleared the unsure flag`;
    default:
      return html`<span class="lh-who">${r.user}</span> ${r.kind}`;
  }
}

/**
 * The editor's history panel for one image: its current label, then everything people did about it, newest first
 * (labels, withdrawals, undos, comments, doubts), with who and when.
 */
export function labelHistoryPanel(
  row: LabelQueueRow,
  steps: readonly LabelHistoryRow[],
  spec: PlotTypeSpec | null,
  ctx: PageContext,
): Html {
  const newest = [...steps].reverse();
  return html`<div class="lab-history-panel" data-image="${row.imageId}">
<h2>History <small class="muted">run ${row.run} · chunk ${row.chunk} · pad ${row.pad}</small></h2>
<img src="${thumbUrl(row.imageId)}" alt="run ${row.run} chunk ${row.chunk}" class="lh-thumb">
<p class="lh-now">Now: ${chip(spec, row.label)}${row.label ? html` <small class="muted">by ${row.labelUser ?? '?'}${row.labelledAt ? ` · ${dateTime(row.labelledAt, ctx.tz)}` : ''}</small>` : ''}${row.unsure ? html` · <b class="lt-flag">? unsure</b> <small class="muted">(${row.unsureBy ?? '?'})</small>` : ''}</p>
${
  newest.length
    ? html`<ol class="lh-steps" reversed>${newest.map((r) => html`<li data-kind="${r.kind}"${r.undoes ? html` data-undo` : ''}><time datetime="${r.at}">${dateTime(r.at, ctx.tz, true)}</time> ${what(r, spec)}</li>`)}</ol>`
    : html`<p class="empty-note">Nobody has labelled it yet.</p>`
}
</div>`;
}
