import type { PlotTypeProblem } from '../../plottypes/plan.ts';
import { rowsOf, type FormFields } from '../../plottypes/form.ts';
import type { PlotTypeRow } from '../../projections/plot-types/table.ts';
import type { UnassignedRow } from '../../projections/images/table.ts';
import { when } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { csrfField, type PageContext, type View } from './layout.ts';
import { imageUrl, thumbUrl } from './tiles.ts';

export interface PlotTypesNotice {
  readonly ok?: string;
  readonly problem?: string;
}

/** Images waiting for one plot name nobody configured, newest first. */
export interface WaitingGroup {
  readonly plotName: string;
  readonly images: readonly UnassignedRow[];
}

export interface PlotTypeListData {
  readonly plotTypes: readonly PlotTypeRow[];
  readonly waiting: readonly WaitingGroup[];
  /** Whether the viewer may define plot types (of some detector). */
  readonly mayDefine: boolean;
}

export interface PlotTypeFormData {
  /** `define` a new plot type, or `update` the one named. */
  readonly intent: 'define' | 'update';
  readonly fields: FormFields;
  readonly problems: readonly PlotTypeProblem[];
  /** The image masks are drawn on: the type's latest, or the waiting image it is defined from. */
  readonly image: { readonly imageId: string; readonly caption: string } | null;
  readonly retired: boolean;
  readonly mayEdit: boolean;
}

const notices = (n: PlotTypesNotice) =>
  html`${n.ok ? html`<p class="flash" role="status">${n.ok}</p>` : ''}${n.problem ? html`<p class="flash bad" role="alert">${n.problem}</p>` : ''}`;

function plotTypeRowView(p: PlotTypeRow): Html {
  const s = p.spec;
  const flags = [p.retired ? 'retired' : '', s.ignore ? 'ignored' : '', s.hidden ? 'hidden' : ''].filter(Boolean);
  return html`<tr class="${p.retired ? 'disabled' : ''}"><th scope="row"><a href="${href(['admin', 'plot-types', p.name])}">${p.name}</a>${s.title ? html`<br><span class="muted">${s.title}</span>` : ''}</th>
<td>${s.detector}</td>
<td>${s.labels.map((l) => html`<span class="chip" style="--label:${l.colour}"><span class="swatch" style="background:${l.colour}"></span>${l.name}${l.alarms ? ' ⚑' : ''}</span> `)}</td>
<td class="num">${s.input.width}×${s.input.height}×${s.input.channels}</td>
<td class="num">${s.collectPercent} %</td>
<td class="num">${s.masks.length || ''}</td>
<td>${flags.join(', ')}</td></tr>`;
}

function waitingView(g: WaitingGroup, d: PlotTypeListData, ctx: PageContext): Html {
  const latest = g.images[0]!;
  return html`<li class="waiting-card"><a href="${imageUrl(latest.imageId)}" target="_blank" rel="noopener"><img src="${thumbUrl(latest.imageId)}" alt="waiting ${g.plotName} image" width="240" height="180" decoding="async"></a>
<div><strong>${g.plotName}</strong><br><span class="muted">${g.images.length} image${g.images.length === 1 ? '' : 's'} waiting, the latest ${when(latest.arrivedAt, ctx.tz, ctx.now)}</span><br><code class="muted">${latest.source}</code>
${d.mayDefine ? html`<p><a class="button-link" href="${href(['admin', 'plot-types', 'new'], { image: latest.imageId })}">Define a plot type from this image</a></p>` : ''}</div></li>`;
}

/** Every plot type with its configuration in brief, and the images waiting for a plot type nobody defined. */
export function plotTypeListView(d: PlotTypeListData, ctx: PageContext, notice: PlotTypesNotice = {}): View {
  const main = html`<section class="plot-types-admin">
<h1>Plot types</h1>
${notices(notice)}
<p>${d.mayDefine ? html`<a class="button-link" href="/admin/plot-types/new">New plot type</a> ` : ''}<span class="muted">The same configuration as <code>hydra plot-types apply FILE.yaml</code>: the same checks, the same events.</span></p>
<div class="scroll"><table class="plot-types"><thead><tr><th>Plot type</th><th>Detector</th><th>Labels <span class="muted">(⚑ raises alarms)</span></th><th>Input</th><th>Collect</th><th>Masks</th><th></th></tr></thead><tbody>
${d.plotTypes.length ? d.plotTypes.map(plotTypeRowView) : html`<tr><td colspan="7" class="muted">No plot types yet.</td></tr>`}</tbody></table></div>
<section class="waiting"><h2>Waiting for a plot type</h2>
${d.waiting.length ? html`<ul class="waiting-list">${d.waiting.map((g) => waitingView(g, d, ctx))}</ul>` : html`<p class="muted">No images are waiting: every arriving plot has a plot type.</p>`}
<p class="muted">Images whose name no plot type claims are kept; once a plot type for them is defined they are ingested and classified.</p>
</section>
</section>`;
  return { page: 'plot-types', title: 'Plot types', main };
}

const OPTIONS = {
  heatmap: ['bad', 'always', 'never'],
  sampling: ['balanced', 'weighted', 'none'],
  'input.channels': ['3', '1'],
} as const;

/** The form: every field of the configuration, each with its problems beside it. */
export function plotTypeFormView(d: PlotTypeFormData, ctx: PageContext, notice: PlotTypesNotice = {}): View {
  const f = d.fields;
  const value = (k: string) => {
    const v = f[k];
    return typeof v === 'string' ? v : '';
  };
  const said = new Set<PlotTypeProblem>();
  const problemsOf = (k: string, exact = false) => {
    const mine = d.problems.filter((p) => p.field === k || (!exact && p.field.startsWith(`${k}.`)));
    for (const p of mine) said.add(p);
    return mine.length
      ? html`<span class="field-problem" role="alert" data-field="${k}">${mine.map((p) => html`<span>${p.field === k ? '' : `${p.field}: `}${p.message}</span>`)}</span>`
      : '';
  };
  const ro = d.mayEdit ? '' : html` disabled`;
  const text = (k: string, label: string, extra: Html | string = '') => {
    const p = problemsOf(k);
    return html`<label class="field">${label} <input name="${k}" value="${value(k)}"${extra}${ro}${p ? html` aria-invalid="true"` : ''}>${p}</label>`;
  };
  const flag = (k: string, label: string) =>
    html`<label class="field check"><input type="checkbox" name="${k}" value="on"${value(k) === 'on' ? html` checked` : ''}${ro}> ${label}${problemsOf(k)}</label>`;
  const select = (k: keyof typeof OPTIONS, label: string) =>
    html`<label class="field">${label} <select name="${k}"${ro}>${OPTIONS[k].map((o) => html`<option${o === value(k) ? html` selected` : ''}>${o}</option>`)}</select>${problemsOf(k)}</label>`;
  const labelRows = Math.max(rowsOf(f, 'labels') + (d.mayEdit ? 1 : 0), 2);
  const maskRows = rowsOf(f, 'masks') + (d.mayEdit ? 1 : 0);
  const name = value('name');
  const labelsTable = html`<table class="label-rows"><thead><tr><th>Label</th><th>Colour</th><th>Raises alarms</th><th></th></tr></thead><tbody>
${Array.from({ length: labelRows }, (_, i) => {
  const k = (c: string) => `labels.${i}.${c}`;
  return html`<tr><td><input name="${k('name')}" value="${value(k('name'))}" aria-label="label ${i + 1}" size="12"${ro}></td>
<td><input type="color" name="${k('colour')}" value="${value(k('colour')) || '#5a6878'}" aria-label="colour of label ${i + 1}"${ro}> <code>${value(k('colour'))}</code></td>
<td><input type="checkbox" name="${k('alarms')}" value="on"${value(k('alarms')) === 'on' ? html` checked` : ''} aria-label="label ${i + 1} raises alarms"${ro}></td>
<td>${problemsOf(`labels.${i}`)}</td></tr>`;
})}</tbody></table>`;
  const maskTable = html`<table class="mask-rows"><thead><tr><th>#</th><th>x</th><th>y</th><th>width</th><th>height</th><th>why</th><th></th></tr></thead><tbody id="mask-rows">
${Array.from({ length: maskRows }, (_, i) => {
  const k = (c: string) => `masks.${i}.${c}`;
  const num = (c: string) =>
    html`<td><input name="${k(c)}" value="${value(k(c))}" inputmode="numeric" size="5" aria-label="mask ${i + 1} ${c}"${ro}></td>`;
  return html`<tr class="mask-row" data-row="${i}"><td class="num">${i + 1}</td>${num('x')}${num('y')}${num('width')}${num('height')}
<td><input name="${k('reason')}" value="${value(k('reason'))}" size="18" aria-label="mask ${i + 1} reason"${ro}></td>
<td>${d.mayEdit ? html`<button type="button" class="mask-clear" aria-label="remove mask ${i + 1}">✕</button>` : ''}${problemsOf(`masks.${i}`)}</td></tr>`;
})}</tbody></table>`;
  const canvas = d.image
    ? html`<figure class="mask-canvas" id="mask-canvas"><div class="mask-stage"><img src="${imageUrl(d.image.imageId)}" alt="${d.image.caption}" draggable="false"><div class="mask-layer" aria-hidden="true"></div></div><figcaption class="muted">${d.image.caption}${d.mayEdit ? ' — drag across the image to add a mask' : ''}</figcaption></figure>`
    : html`<p class="muted">No image of this plot type yet: give the rectangles in pixels.</p>`;
  const body = html`${csrfField(ctx)}<input type="hidden" name="intent" value="${d.intent}">
<fieldset><legend>Plot type</legend>
${d.intent === 'update' ? html`<input type="hidden" name="name" value="${name}"><p class="field">Name <strong>${name}</strong>${problemsOf('name')}</p>` : text('name', 'Name', html` required maxlength="128" placeholder="CDC_occupancy"`)}
${text('title', 'Title', html` maxlength="200"`)}
${text('detector', 'Detector', html` required maxlength="64"`)}
${text('contact', 'Contact', html` maxlength="200" placeholder="e-mail addresses for training reports"`)}
${text('pattern', 'File-name pattern', html` required maxlength="500" size="60" class="mono"`)}
<p class="muted">RE2 syntax with named groups <code>plot</code>, <code>pad</code>, <code>chunk</code> (optional <code>run</code>).</p>
</fieldset>
<fieldset><legend>Labels</legend>${problemsOf('labels', true)}${labelsTable}</fieldset>
<fieldset><legend>Model input</legend>
${text('input.width', 'Width', html` inputmode="numeric" size="5"`)} ${text('input.height', 'Height', html` inputmode="numeric" size="5"`)} ${select('input.channels', 'Channels')}
${problemsOf('input', true)}
</fieldset>
<fieldset><legend>Masks <span class="muted">(rectangles in image pixels, blanked before training and inference)</span></legend>
${canvas}${problemsOf('masks', true)}${maskTable}</fieldset>
<fieldset><legend>Alarms</legend>
${text('alarmPolicy.labels', 'Alarm on labels', html` placeholder="Bad" size="24"`)}
${text('alarmPolicy.minConfidence', 'Minimum confidence', html` inputmode="decimal" size="5"`)}
${text('alarmPolicy.consecutive', 'Consecutive images', html` inputmode="numeric" size="5"`)}
${problemsOf('alarmPolicy', true)}
</fieldset>
<fieldset><legend>Collecting, heatmaps and models</legend>
${text('collectPercent', 'Collect for labelling (%)', html` inputmode="decimal" size="5"`)}
${select('heatmap', 'Heatmap')} ${select('sampling', 'Training sampling')}
${text('activationBar.minBalancedAccuracy', 'Activation bar: balanced accuracy', html` inputmode="decimal" size="5"`)}
${text('activationBar.minRecall', 'Activation bar: recall per label', html` inputmode="decimal" size="5"`)}
${flag('retrain.auto', 'The loop may request a retraining')}
${flag('retrain.autoActivate', 'The loop may activate a better retrained model')}
${text('retrain.compareSamples', 'Samples before comparing', html` inputmode="numeric" size="5"`)}
</fieldset>
<fieldset><legend>On the pages</legend>
${flag('hidden', 'Hidden (folded away on the Run page)')}
${flag('ignore', 'Ignored (not classified)')}
</fieldset>`;
  // Problems no field above claimed (an unknown field, the whole entry) are listed at the top.
  const rest = d.problems.filter((p) => !said.has(p));
  const title = d.intent === 'define' ? 'New plot type' : `Plot type ${name}`;
  const main = html`<section class="plot-type-edit">
<p><a href="/admin/plot-types">← Plot types</a></p>
<h1>${title}${d.retired ? html` <span class="badge muted">retired</span>` : ''}</h1>
${notices(notice)}
${d.problems.length ? html`<div class="flash bad" role="alert"><p>${d.problems.length} problem${d.problems.length === 1 ? '' : 's'}; nothing was changed.</p>${rest.length ? html`<ul>${rest.map((p) => html`<li>${p.field || '(entry)'}: ${p.message}</li>`)}</ul>` : ''}</div>` : ''}
${d.mayEdit ? '' : html`<p class="muted">Read only: changing plot types needs the Expert role for the detector, or Admin.</p>`}
<form method="post" action="/admin/plot-types" class="plot-type-form" novalidate>${body}
${d.mayEdit ? html`<p><button type="submit">${d.intent === 'define' ? 'Define plot type' : 'Save changes'}</button></p>` : ''}
</form>
</section>`;
  return { page: 'plot-types', title, main, scripts: ['/assets/plot-types.js'] };
}
