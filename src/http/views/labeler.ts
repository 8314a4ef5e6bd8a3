import type { PlotTypeSpec } from '../../events/plottype.ts';
import type { LabelQueueRow } from '../../projections/label-queue/table.ts';
import type { PlotTypeRow } from '../../projections/plot-types/table.ts';
import type { QueueCount, QueueFilter, QueueName, QueuePage } from '../../projections/label-queue/queries.ts';
import { count, dateTime, inkOn, percent } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import type { PageContext, View } from './layout.ts';
import { thumbUrl } from './tiles.ts';

/** The Labeler's query as the labeller gave it (kept in every link, so a view can be shared and resumed). */
export interface LabelerParams {
  readonly plot?: string;
  readonly queue: QueueName;
  readonly labelled?: 'include' | 'only';
  readonly order: 'newest' | 'oldest';
  readonly runFrom?: number;
  readonly runTo?: number;
  readonly from?: string;
  readonly to?: string;
  readonly verdict?: string;
  readonly label?: string;
  readonly verdicts?: 'show';
  readonly size: number;
  readonly after?: { at: string; imageId: string };
}

export interface LabelerData {
  readonly plotTypes: readonly PlotTypeRow[];
  readonly spec: PlotTypeSpec | null;
  readonly counts: Record<QueueName, QueueCount> | null;
  readonly page: QueuePage | null;
  readonly matching: number;
  readonly filter: QueueFilter | null;
}

/** What the last action did, shown above the grid (with the way to undo an apply). */
export type Applied =
  | { kind: 'apply'; batch: string; label: string; count: number; stored: number; unchanged: number; behind: boolean }
  | { kind: 'undo'; batch: string; count: number; stored: number; unchanged: number; behind: boolean }
  | { kind: 'unsure'; count: number; stored: number; unchanged: number; behind: boolean }
  | { kind: 'sure'; count: number; stored: number; unchanged: number; behind: boolean }
  | { kind: 'comment'; count: number; stored: number; unchanged: number; behind: boolean }
  | { kind: 'retract'; count: number; stored: number; unchanged: number; behind: boolean };

const QUEUE_TITLES: Record<QueueName, string> = {
  unbiased: 'Unbiased sample',
  bad: 'Confirmed Bad',
  unconfirmed: 'Unconfirmed',
  unsure: 'Flagged unsure',
  all: 'Every image',
};

/** The page's own URL with some parameters changed (the cursor is dropped unless given). */
export function labelerUrl(p: LabelerParams, over: Partial<LabelerParams> = {}): string {
  const q = { ...p, after: undefined, ...over };
  return href(['labeler'], {
    plot: q.plot,
    queue: q.queue === 'unbiased' ? undefined : q.queue,
    labelled: q.labelled,
    order: q.order === 'newest' ? undefined : q.order,
    runFrom: q.runFrom,
    runTo: q.runTo,
    from: q.from,
    to: q.to,
    verdict: q.verdict,
    label: q.label,
    verdicts: q.queue === 'unbiased' ? undefined : q.verdicts,
    size: q.size === 200 ? undefined : q.size,
    after: q.after ? `${q.after.at}~${q.after.imageId}` : undefined,
  });
}

/** Editor mode: labelled images are in view, to be changed or withdrawn, with each image's history beside the grid. */
export const isEditor = (p: LabelerParams) => p.labelled === 'only' || p.labelled === 'include';

/** The model's verdict is shown only where asked for, and never on the unbiased queue: there the label is the expert's own. */
export const showsVerdicts = (p: LabelerParams) => p.queue !== 'unbiased' && p.verdicts === 'show';

function labelColour(spec: PlotTypeSpec, label: string | null): string {
  return spec.labels.find((l) => l.name === label)?.colour ?? '#5a6878';
}

/** The model's verdict in its label's colour; an Unconfirmed one only outlined in it (the model was not sure). */
function verdictBadge(r: LabelQueueRow, spec: PlotTypeSpec): Html {
  if (r.verdict === null) return html`<span class="lt-verdict none" title="the model's verdict">no verdict</span>`;
  const colour = labelColour(spec, r.verdict);
  const unsure = r.confirmed === false;
  return html`<span class="lt-verdict${unsure ? ' unconfirmed' : ''}" title="the model's verdict" style="--verdict:${colour};--verdict-ink:${inkOn(colour)}">${unsure ? 'Unconfirmed ' : ''}${r.verdict}${r.confidence !== null ? ` ${percent(r.confidence)}` : ''}</span>`;
}

function tile(r: LabelQueueRow, i: number, spec: PlotTypeSpec, p: LabelerParams, ctx: PageContext): Html {
  const colour = r.label ? labelColour(spec, r.label) : null;
  const verdict = showsVerdicts(p) ? verdictBadge(r, spec) : '';
  return html`<div class="lt${r.label ? ' labelled' : ''}${r.unsure ? ' unsure' : ''}" data-i="${i}" data-id="${r.imageId}"${r.label ? html` data-label="${r.label}" style="--label:${colour!};--ink:${inkOn(colour!)}"` : ''} title="run ${r.run} chunk ${r.chunk} pad ${r.pad} · ${dateTime(r.at, ctx.tz, true)}">
<img src="${thumbUrl(r.imageId)}" alt="run ${r.run} chunk ${r.chunk}" loading="${i < 60 ? 'eager' : 'lazy'}" decoding="async" draggable="false">
<span class="lt-meta">${r.run} · ${r.chunk}${r.unsure ? html` <b class="lt-flag" title="flagged unsure by ${r.unsureBy ?? '?'}">?</b>` : ''}${r.comments ? html` <span class="lt-comments" title="comments">✎${r.comments}</span>` : ''}</span>
${r.label ? html`<span class="lt-label">${r.label}<small> · ${r.labelUser ?? ''}</small></span>` : ''}${verdict}
</div>`;
}

function appliedNote(a: Applied | undefined): Html {
  if (!a) return html``;
  const late = a.behind ? ' (the queue was still catching up with earlier labels: reload in a moment)' : '';
  const n = (k: number) => `${count(k)} image${k === 1 ? '' : 's'}`;
  if (a.kind === 'unsure')
    return html`<p class="lab-note" role="status">Flagged ${n(a.stored)} unsure: they wait in “Flagged unsure” for a second expert${late}.</p>`;
  if (a.kind === 'sure')
    return html`<p class="lab-note" role="status">Cleared the unsure flag of ${n(a.stored)}${late}.</p>`;
  if (a.kind === 'comment') return html`<p class="lab-note" role="status">Commented on ${n(a.stored)}${late}.</p>`;
  if (a.kind === 'retract')
    return html`<p class="lab-note" role="status">Withdrew ${count(a.stored)} label${a.stored === 1 ? '' : 's'}${a.unchanged ? html` (${count(a.unchanged)} had none)` : ''}${late}: each image's history keeps what it was.</p>`;
  if (a.kind === 'undo')
    return html`<p class="lab-note" role="status" data-labelled="${-a.stored}">Undone: ${count(a.stored)} label${a.stored === 1 ? '' : 's'} withdrawn${late}.</p>`;
  return html`<p class="lab-note" role="status" data-batch="${a.batch}" data-labelled="${a.count - a.unchanged}">Labelled ${count(a.count)} image${a.count === 1 ? '' : 's'} <b>${a.label}</b>${a.unchanged ? html` (${count(a.unchanged)} already were)` : ''}${late}. <button type="button" class="lab-undo" data-undo="${a.batch}">Undo <kbd>u</kbd></button></p>`;
}

function queueTabs(data: LabelerData, p: LabelerParams): Html {
  const counts = data.counts!;
  return html`<nav class="lab-queues" aria-label="Queues">${(Object.keys(QUEUE_TITLES) as QueueName[]).map((q) => {
    const c = counts[q];
    return html`<a href="${labelerUrl(p, { queue: q, verdict: q === 'unbiased' ? undefined : p.verdict })}" data-queue="${q}"${q === p.queue ? html` aria-current="page"` : ''}>${QUEUE_TITLES[q]} <span class="n" title="unlabelled of all">${count(c.unlabelled)}<small> / ${count(c.total)}</small></span></a>`;
  })}</nav>`;
}

/**
 * The part of the page an apply or undo replaces: the queues with their counts, what the last action did, the
 * grid and the pager. Carries the view's query string, so the next action answers with the same view.
 */
export function labelerGrid(data: LabelerData, p: LabelerParams, ctx: PageContext, applied?: Applied): Html {
  if (!data.spec || !data.page) return html`<div id="lab-grid"></div>`;
  const spec = data.spec;
  const rows = data.page.rows;
  const last = rows.at(-1);
  const view = labelerUrl(p, { after: p.after }).replace(/^\/labeler/, '');
  const next = data.page.more && last ? labelerUrl(p, { after: { at: last.at, imageId: last.imageId } }) : null;
  const what = p.label
    ? ` labelled ${p.label}`
    : p.labelled === 'only'
      ? ' labelled'
      : p.labelled === 'include'
        ? ''
        : ' unlabelled';
  return html`<div id="lab-grid" data-plot="${spec.name}" data-queue="${p.queue}" data-view="${view}" data-prefetch="${data.page.following.join(',')}"${isEditor(p) ? html` data-editor` : ''}>
${queueTabs(data, p)}
${appliedNote(applied)}
<p class="lab-summary muted">${count(data.matching)}${what} image${data.matching === 1 ? '' : 's'} in ${QUEUE_TITLES[p.queue].toLowerCase()}${p.queue === 'unbiased' ? html` · <span class="lab-hidden-verdict">model verdicts hidden: the label is yours alone</span>` : ''} · showing ${count(rows.length)}${p.after ? ' (a later page)' : ''} · <span class="lab-selected" aria-live="polite">0 selected</span></p>
${
  rows.length
    ? html`<div class="lab-tiles" role="grid" aria-label="images to label">${rows.map((r, i) => tile(r, i, spec, p, ctx))}</div>`
    : html`<p class="empty-note">Nothing${what} left here${p.after ? ' on this page' : ''}.</p>`
}
<nav class="pager" aria-label="Labeler pages">${p.after ? html`<a href="${labelerUrl(p)}">↖ first page</a>` : ''} ${next ? html`<a class="lab-next" href="${next}">next ${p.size} →</a>` : ''}</nav>
</div>`;
}

function filters(data: LabelerData, p: LabelerParams): Html {
  const spec = data.spec!;
  const opt = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : ''}>${label}</option>`;
  const labels = spec.labels.map((l) => l.name);
  const open = p.runFrom !== undefined || p.runTo !== undefined || p.from || p.to || p.verdict || p.label || p.labelled;
  return html`<details class="lab-filters"${open ? html` open` : ''}><summary>Filters</summary>
<form method="get" action="/labeler">
<input type="hidden" name="plot" value="${spec.name}"><input type="hidden" name="queue" value="${p.queue}">
<label>Runs <span class="runs"><input type="number" name="runFrom" min="0" value="${p.runFrom ?? ''}" placeholder="first" class="run" aria-label="first run"> – <input type="number" name="runTo" min="0" value="${p.runTo ?? ''}" placeholder="last" class="run" aria-label="last run"></span></label>
<label>From <input type="datetime-local" name="from" value="${p.from ?? ''}"></label>
<label>To <input type="datetime-local" name="to" value="${p.to ?? ''}"></label>
${p.queue === 'unbiased' ? '' : html`<label>Verdict <select name="verdict">${opt('', 'any', !p.verdict)}${labels.map((l) => opt(l, l, l === p.verdict))}${opt('(unconfirmed)', 'Unconfirmed', p.verdict === '(unconfirmed)')}</select></label>`}
<label>Label <select name="label">${opt('', 'any', !p.label)}${labels.map((l) => opt(l, l, l === p.label))}${opt('(none)', 'none yet', p.label === '(none)')}</select></label>
<label>Images <select name="labelled">${opt('', 'unlabelled only', !p.labelled)}${opt('include', 'labelled too (editor)', p.labelled === 'include')}${opt('only', 'labelled only (editor)', p.labelled === 'only')}</select></label>
<label>Order <select name="order">${opt('newest', 'newest first', p.order === 'newest')}${opt('oldest', 'oldest first', p.order === 'oldest')}</select></label>
<label>Per page <input type="number" name="size" min="20" max="500" step="10" value="${p.size}" class="run"></label>
${p.queue !== 'unbiased' ? html`<label class="check"><input type="checkbox" name="verdicts" value="show"${p.verdicts ? html` checked` : ''}> show model verdicts</label>` : ''}
<button type="submit">Apply filters</button> <a class="button-link" href="${labelerUrl({ plot: spec.name, queue: p.queue, order: 'newest', size: p.size })}">clear</a>
</form></details>`;
}

/** Labelling (the unlabelled images) or editing (the labelled ones, with their history): the same filters either way. */
function modeSwitch(p: LabelerParams): Html {
  const editing = isEditor(p);
  return html`<nav class="lab-mode" aria-label="Mode"><a href="${labelerUrl(p, { labelled: undefined, label: undefined })}"${editing ? '' : html` aria-current="page"`}>Label new</a><a href="${labelerUrl(p, { labelled: 'only' })}"${editing ? html` aria-current="page"` : ''} data-mode="editor">Edit labels</a></nav>`;
}

/** The Labeler: choose a plot type and a queue, pick a label (1–9), select images, Enter applies. */
export function labelerView(data: LabelerData, p: LabelerParams, ctx: PageContext, applied?: Applied): View {
  if (!data.spec)
    return {
      page: 'labeler',
      title: 'Labeler',
      main: html`<section class="labeler"><h1>Labeler</h1><p class="empty-note">No plot types are configured yet (<code>hydra plot-types apply FILE.yaml</code>).</p></section>`,
    };
  const spec = data.spec;
  const main = html`<section class="labeler" id="labeler" data-plot="${spec.name}">
<div class="lab-bar">
<form class="lab-plot" method="get" action="/labeler"><label>Plot type <select name="plot" data-autosubmit>${data.plotTypes.map((t) => html`<option value="${t.name}"${t.name === spec.name ? html` selected` : ''}>${t.spec.title ?? t.name} (${t.detector})</option>`)}</select></label><noscript><button type="submit">Go</button></noscript></form>
<div class="palette" role="toolbar" aria-label="Labels">${spec.labels.slice(0, 9).map((l, i) => html`<button type="button" class="pal" data-label="${l.name}" data-key="${i + 1}" style="--label:${l.colour};--ink:${inkOn(l.colour)}" aria-pressed="false"><kbd>${i + 1}</kbd> ${l.name}</button>`)}<output class="lab-armed" id="lab-armed" aria-live="polite">no label picked: press <kbd>1</kbd>–<kbd>${Math.min(9, spec.labels.length)}</kbd></output></div>
${modeSwitch(p)}
<output class="lab-session muted" id="lab-session" aria-live="polite" title="labels you applied in this browser tab (undos taken off), and your rate">this session: no labels yet</output>
<label class="slider">size <input type="range" id="lab-size" min="80" max="360" step="20" value="160" aria-label="thumbnail size"></label>
</div>
<p class="lab-keys muted"><kbd>1</kbd>–<kbd>9</kbd> pick a label · click selects, <kbd>shift</kbd>-click a block · <kbd>a</kbd> all on the page · <kbd>Esc</kbd> none · arrows move, <kbd>space</kbd> toggles · <kbd>Enter</kbd> applies · <kbd>u</kbd> undoes the last apply · <kbd>f</kbd> flags the selection unsure (again: clears) · <kbd>c</kbd> comments on it${isEditor(p) ? html` · <kbd>r</kbd> withdraws the selection's labels · the cursor's image shows its history on the right` : ''}</p>
${filters(data, p)}
${
  isEditor(p)
    ? html`<div class="lab-editor">${labelerGrid(data, p, ctx, applied)}<aside id="lab-history" class="lab-history" aria-live="polite" aria-label="the image's label history"><p class="muted">Click an image or move the cursor to it: who labelled what, when.</p></aside></div>`
    : labelerGrid(data, p, ctx, applied)
}
</section>`;
  return { page: 'labeler', title: `Labeler · ${spec.name}`, main, scripts: ['/assets/labeler.js'] };
}
