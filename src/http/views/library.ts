import type { BackfillRow } from '../../projections/backfills/table.ts';
import type { ModelRow } from '../../projections/models/table.ts';
import type { SustainDecisionRow } from '../../projections/sustain/table.ts';
import type { PlotTypeRow } from '../../projections/plot-types/table.ts';
import type { TrainingRow } from '../../projections/trainings/table.ts';
import { balancedAccuracy } from '../../training/evaluate.ts';
import { duration, percent, when } from '../format.ts';
import { href, html, type Html, type Part } from '../html.ts';
import { backfillForm, backfillsTable } from './backfill-forms.ts';
import { curveLegend, curveSvg } from './curve.ts';
import { importForm } from './model-import.ts';
import { csrfField, type PageContext, type View } from './layout.ts';
import { trailingLine } from './sustain.ts';
import { isLive, PROGRESS_POLL, progressLine } from './training-progress.ts';

/** A model as the Library shows it: its registry row, the training run that made it, and why it is under the bar. */
export interface LibraryModel {
  readonly row: ModelRow;
  readonly training: TrainingRow | null;
  /** Why its validation is under the plot type's activation bar (empty: it clears it). */
  readonly underBar: readonly string[];
}

export interface LibraryData {
  readonly plotTypes: readonly PlotTypeRow[];
  readonly plot: PlotTypeRow | null;
  /** Newest first. */
  readonly models: readonly LibraryModel[];
  /** Runs that have no model (yet): asked for, training, failed. */
  readonly runs: readonly TrainingRow[];
  /** Whether the person looking may act on this plot type (an Expert of its detector, or an Admin). */
  readonly mayAct: boolean;
  readonly compare: readonly [LibraryModel, LibraryModel] | null;
  /** The self-sustaining loop's latest assessment of the plot type (src/sustain/). */
  readonly sustain?: SustainDecisionRow | null;
  /** The plot type's runs of models over history, newest first. */
  readonly backfills?: readonly BackfillRow[];
}

export interface LibraryNotice {
  readonly ok?: string;
  readonly problem?: string;
}

const libraryHref = (plot: string, extra: Record<string, string> = {}) => href(['library'], { plot, ...extra });
export const reportHref = (trainingId: string) => href(['training', trainingId]);

function post(ctx: PageContext, action: string, body: Html, cls = 'inline'): Html {
  return html`<form method="post" action="${action}" class="${cls}">${csrfField(ctx)}${body}</form>`;
}

const STATUS_TEXT: Record<ModelRow['status'], string> = {
  trained: 'trained, waiting for sign-off',
  'signed-off': 'signed off',
  active: 'active',
  retired: 'retired',
};

export function statusBadge(m: ModelRow): Html {
  return html`<span class="model-status s-${m.status}">${m.status === 'active' ? '★ ' : ''}${STATUS_TEXT[m.status]}</span>`;
}

const by = (who: string | null | undefined, at: string | null | undefined, ctx: PageContext): Html =>
  who ? html`${who}${at ? html`, ${when(at, ctx.tz, ctx.now)}` : ''}` : html`<span class="muted">–</span>`;

const balanced = (m: ModelRow): number | null => (m.evaluation ? balancedAccuracy(m.evaluation) : null);

/** Who asked for it, who trained it, who signed it off, activated and retired it, and when. */
function history(lm: LibraryModel, ctx: PageContext): Html {
  const m = lm.row;
  const t = lm.training;
  const result = t?.result;
  return html`<dl class="facts who">
<dt>requested</dt><dd>${t ? html`${by(t.requester || 'someone', t.requestedAt, ctx)}${t.reason ? html` <span class="muted">(${t.reason})</span>` : ''}` : m.origin === 'imported' ? html`imported, ${when(m.createdAt, ctx.tz, ctx.now)}` : html`<span class="muted">–</span>`}</dd>
<dt>trained</dt><dd>${result ? html`by the training worker${result.trainer ? html` on ${result.trainer.device}` : ''}, ${when(t!.finishedAt ?? m.createdAt, ctx.tz, ctx.now)} (${duration(result.durationSeconds * 1000)})` : m.origin === 'imported' ? html`elsewhere (ONNX import)` : html`<span class="muted">–</span>`}</dd>
<dt>signed off</dt><dd>${by(m.signedOffBy, m.signedOffAt, ctx)}${m.signOffComment ? html` <q>${m.signOffComment}</q>` : ''}</dd>
<dt>activated</dt><dd>${by(m.activatedBy, m.activatedAt, ctx)}${m.replacedModelId && m.activatedBy ? html` <span class="muted">(replacing ${m.replacedModelId})</span>` : ''}</dd>
${m.retiredAt ? html`<dt>retired</dt><dd>${by(m.retiredBy, m.retiredAt, ctx)}</dd>` : ''}
</dl>`;
}

function parameters(m: ModelRow, t: TrainingRow | null): Html {
  const p = t?.result?.parameters ?? m.parameters ?? t?.parameters;
  if (!p) return html`<p class="muted">No training parameters (imported model).</p>`;
  const rows = Object.entries(p).filter(([k]) => k !== 'parentModel');
  return html`<dl class="facts params">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}</dl>`;
}

function dataset(lm: LibraryModel): Html {
  const r = lm.training?.result;
  if (!r)
    return html`<p class="muted">${lm.row.datasetSize === null ? 'No Hydra dataset (imported model).' : `${lm.row.datasetSize} images`}</p>`;
  const d = r.dataset;
  return html`<dl class="facts dataset">
<dt>images</dt><dd>${d.size} (${d.train} train, ${d.validation} validation)${d.skipped ? html`, <span class="warn">${d.skipped} unreadable skipped</span>` : ''}</dd>
<dt>per label</dt><dd>${Object.entries(d.perLabel).map(([l, n]) => html`<span class="chip-static">${l} ${n}</span> `)}</dd>
<dt>sampling</dt><dd>${r.parameters.sampling ?? 'balanced'}</dd>
<dt>manifest</dt><dd><code title="${d.manifestHash}">${d.manifestHash.slice(0, 16)}</code></dd>
<dt>input</dt><dd>${r.input.width}×${r.input.height}×${r.input.channels}</dd>
</dl>`;
}

function frameworks(lm: LibraryModel): Html {
  const r = lm.training?.result;
  if (!r) return html``;
  return html`<dl class="facts frameworks">${Object.entries(r.frameworks).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}
${r.trainer ? html`<dt>epochs</dt><dd>${r.trainer.epochsRun} run, kept ${r.trainer.bestEpoch}; ${Math.round(r.trainer.imagesPerSecond)} images/s</dd>` : ''}</dl>`;
}

/** A run's curve per epoch with its legend (the Library's model cards and the training report). */
export function trainingCurve(t: TrainingRow | null, title: string): Html {
  if (!t || t.epochs.length === 0) return html`<p class="muted">No training curve.</p>`;
  const planned = t.parameters?.epochs;
  const best = t.result?.trainer?.bestEpoch;
  return html`<figure class="chart-box curve-box">${curveSvg({
    epochs: t.epochs,
    ...(planned !== undefined ? { planned } : {}),
    ...(best !== undefined ? { best } : {}),
    title,
  })}<figcaption>${curveLegend(t.epochs)}</figcaption></figure>`;
}

const curve = (lm: LibraryModel): Html => trainingCurve(lm.training, `training curve of ${lm.row.modelId}`);

/** Validation per label and overall. */
export function metrics(m: Pick<ModelRow, 'evaluation'>): Html {
  const e = m.evaluation;
  if (!e) return html`<p class="muted">No validation by Hydra.</p>`;
  return html`<table class="metrics"><thead><tr><th>label</th><th>precision</th><th>recall</th><th>threshold</th></tr></thead><tbody>
${e.labels.map((l) => html`<tr><th scope="row">${l}</th><td>${percent(e.precision[l])}</td><td>${percent(e.recall[l])}</td><td>${(e.thresholds[l] ?? 0).toFixed(2)}</td></tr>`)}
</tbody></table>
<p>accuracy <strong>${percent(e.accuracy)}</strong>, balanced accuracy <strong>${percent(balancedAccuracy(e))}</strong>, calibration error ${e.calibrationError.toFixed(3)}</p>`;
}

function actions(lm: LibraryModel, ctx: PageContext): Html {
  const m = lm.row;
  if (m.status === 'retired') return html``;
  const base = ['library', 'models', m.modelId];
  const signoff = m.signedOffBy
    ? ''
    : post(
        ctx,
        href([...base, 'signoff']),
        html`<input name="comment" maxlength="2000" placeholder="comment" aria-label="sign-off comment for ${m.modelId}"> <button type="submit">Sign off</button>`,
      );
  const activate =
    m.status === 'active'
      ? ''
      : post(
          ctx,
          href([...base, 'activate']),
          html`${lm.underBar.length ? html`<label class="below-bar"><input type="checkbox" name="belowBar" value="on"> activate although it is under the bar</label> ` : ''}<button type="submit" class="primary">Activate</button>`,
        );
  const retire = post(
    ctx,
    href([...base, 'retire']),
    html`<input name="reason" maxlength="2000" placeholder="reason" aria-label="reason to retire ${m.modelId}"> <button type="submit" class="danger">Retire</button>`,
  );
  return html`<div class="model-actions">${signoff}${activate}${retire}</div>`;
}

function modelCard(lm: LibraryModel, d: LibraryData, ctx: PageContext): Html {
  const m = lm.row;
  const parent = lm.training?.result?.parameters.parentModel ?? m.parameters?.parentModel;
  return html`<article class="model-card${m.status === 'active' ? ' active' : ''}" id="model-${m.modelId}" data-model="${m.modelId}">
<header><h3>${m.modelId}</h3> ${statusBadge(m)} <span class="muted">${m.origin}, ${when(m.createdAt, ctx.tz, ctx.now)}</span>
${m.trainingId ? html` <a href="${reportHref(m.trainingId)}">training report</a>` : ''}
 <a href="${href(['library', 'models', m.modelId, 'thresholds'])}">thresholds</a></header>
${lm.underBar.length ? html`<p class="flash bad under-bar">Under the plot type's activation bar: ${lm.underBar.join('; ')}.</p>` : ''}
<div class="model-grid">
<section><h4>Validation</h4>${metrics(m)}<h4>Who and when</h4>${history(lm, ctx)}</section>
<section class="curve-cell"><h4>Training curve</h4>${curve(lm)}</section>
<section><h4>Dataset</h4>${dataset(lm)}<h4>Parent</h4><p>${parent ? html`<a href="#model-${parent}">${parent}</a>` : html`<span class="muted">none</span>`}</p></section>
<section><h4>Parameters</h4>${parameters(m, lm.training)}<h4>Frameworks</h4>${frameworks(lm)}</section>
</div>
${d.mayAct ? html`${actions(lm, ctx)}${backfillForm(m, ctx)}` : ''}
</article>`;
}

function modelTable(d: LibraryData, ctx: PageContext): Html {
  const plot = d.plot!.name;
  const first = d.compare?.[0].row.modelId ?? d.models[1]?.row.modelId;
  const second = d.compare?.[1].row.modelId ?? d.models[0]?.row.modelId;
  return html`<form method="get" action="/library" class="compare-form"><input type="hidden" name="plot" value="${plot}">
<div class="scroll"><table class="models"><thead><tr><th>A</th><th>B</th><th>model</th><th>status</th><th>created</th><th>accuracy</th><th>balanced</th><th>images</th><th>signed off</th><th>activated</th></tr></thead><tbody>
${d.models.map(
  (lm) => html`<tr class="${lm.row.status === 'active' ? 'active' : lm.row.status === 'retired' ? 'disabled' : ''}">
<td><input type="radio" name="a" value="${lm.row.modelId}" aria-label="compare ${lm.row.modelId} as A"${lm.row.modelId === first ? html` checked` : ''}></td>
<td><input type="radio" name="b" value="${lm.row.modelId}" aria-label="compare ${lm.row.modelId} as B"${lm.row.modelId === second ? html` checked` : ''}></td>
<th scope="row"><a href="#model-${lm.row.modelId}">${lm.row.modelId}</a></th><td>${statusBadge(lm.row)}</td>
<td>${when(lm.row.createdAt, ctx.tz, ctx.now)}</td><td>${percent(lm.row.evaluation?.accuracy)}</td><td>${percent(balanced(lm.row))}${lm.underBar.length ? html` <span class="warn" title="${lm.underBar.join('; ')}">under bar</span>` : ''}</td>
<td>${lm.row.datasetSize ?? '–'}</td><td>${by(lm.row.signedOffBy, lm.row.signedOffAt, ctx)}</td><td>${by(lm.row.activatedBy, lm.row.activatedAt, ctx)}</td></tr>`,
)}
</tbody></table></div>
${d.models.length >= 2 ? html`<button type="submit">Compare A and B</button>` : ''}</form>`;
}

/**
 * One run of the runs table. While it trains the row polls its own fragment (`/training/<id>/row`) and is swapped
 * by it; the answer for a run with an outcome carries no trigger and reloads the Library (which lists its model).
 */
export function runRow(t: TrainingRow, mayAct: boolean, ctx: PageContext): Html {
  const live = isLive(t);
  const poll = live
    ? html` hx-get="${href(['training', t.trainingId, 'row'])}" hx-trigger="${PROGRESS_POLL}" hx-swap="outerHTML"`
    : '';
  return html`<tr class="run-${t.status}" data-training="${t.trainingId}"${poll}><th scope="row"><a href="${reportHref(t.trainingId)}">${t.trainingId}</a></th><td>${t.status}</td>
<td>${by(t.requester || 'someone', t.requestedAt, ctx)}</td>
<td class="progress">${progressLine(t)}</td>
<td>${t.failureCode ? html`<strong class="warn">${t.failureCode}</strong> ${t.failureReason ?? ''}` : ''}${mayAct && live ? post(ctx, href(['training', t.trainingId, 'cancel']), html`<button type="submit" class="danger">Cancel</button>`) : ''}</td></tr>`;
}

function runsTable(d: LibraryData, ctx: PageContext): Html {
  if (d.runs.length === 0) return html``;
  return html`<h2>Training runs without a model</h2><div class="scroll"><table class="runs"><thead><tr><th>training</th><th>status</th><th>requested</th><th>progress</th><th>outcome</th></tr></thead><tbody>
${d.runs.map((t) => runRow(t, d.mayAct, ctx))}
</tbody></table></div>`;
}

function trainForm(d: LibraryData, ctx: PageContext): Html {
  const plot = d.plot!.name;
  const parents = d.models.filter((m) => m.row.status !== 'retired');
  const num = (name: string, label: string, placeholder: string) =>
    html`<label>${label} <input name="${name}" inputmode="decimal" placeholder="${placeholder}" size="8"></label>`;
  return html`<details class="train"${d.models.length === 0 ? html` open` : ''}><summary>Train a new model</summary>
${post(
  ctx,
  '/library/train',
  html`<input type="hidden" name="plot" value="${plot}">
${num('epochs', 'Epochs', '30')}${num('learningRate', 'Learning rate', '0.003')}${num('batchSize', 'Batch size', '32')}
<label>Annealing <select name="annealing"><option value="">cosine</option><option>step</option><option>none</option></select></label>
${num('patience', 'Patience', '5')}${num('validationFraction', 'Validation share', '0.2')}
<label>Sampling <select name="sampling"><option value="">the plot type's (${d.plot!.spec.sampling ?? 'balanced'})</option><option>none</option><option>balanced</option><option>weighted</option></select></label>
${num('seed', 'Seed', '1')}${num('minPerClass', 'Fewest per label', '5')}
<label>Parent model <select name="parentModel"><option value="">none</option>${parents.map((m) => html`<option>${m.row.modelId}</option>`)}</select></label>
<label>Backbone <select name="backbone"><option value="">shipped where it fits</option><option>shipped</option><option>none</option></select></label>
<label>Device <select name="device"><option value="">auto</option><option>cpu</option><option>cuda</option></select></label>
<label>Reason <input name="reason" maxlength="500" placeholder="why (kept with the request)"></label>
<button type="submit" class="primary">Train</button>`,
  'stacked',
)}</details>`;
}

const compareRow = (label: string, a: Part, b: Part): Html =>
  html`<tr><th scope="row">${label}</th><td>${a}</td><td>${b}</td></tr>`;

/** Two models side by side: what they were trained on and with, and how they did per label. */
function compareView(pair: readonly [LibraryModel, LibraryModel], ctx: PageContext): Html {
  const [a, b] = pair;
  const labels = [...new Set([...a.row.labels, ...b.row.labels])];
  const params = [
    ...new Set([...Object.keys(a.row.parameters ?? {}), ...Object.keys(b.row.parameters ?? {})]),
  ] as (keyof NonNullable<ModelRow['parameters']>)[];
  const both = (f: (m: LibraryModel) => Part) => [f(a), f(b)] as const;
  const rows: Html[] = [
    compareRow('status', ...both((m) => statusBadge(m.row))),
    compareRow('created', ...both((m) => when(m.row.createdAt, ctx.tz, ctx.now))),
    compareRow('accuracy', ...both((m) => percent(m.row.evaluation?.accuracy))),
    compareRow('balanced accuracy', ...both((m) => percent(balanced(m.row)))),
    ...labels.flatMap((l) => [
      compareRow(`${l} precision`, ...both((m) => percent(m.row.evaluation?.precision[l]))),
      compareRow(`${l} recall`, ...both((m) => percent(m.row.evaluation?.recall[l]))),
    ]),
    compareRow('images', ...both((m) => m.row.datasetSize ?? '–')),
    ...labels.map((l) => compareRow(`${l} images`, ...both((m) => m.training?.result?.dataset.perLabel[l] ?? '–'))),
    compareRow(
      'manifest',
      ...both((m) => html`<code>${m.training?.result?.dataset.manifestHash.slice(0, 16) ?? '–'}</code>`),
    ),
    ...params.map((k) => compareRow(k, ...both((m) => String(m.row.parameters?.[k] ?? '–')))),
    compareRow('signed off', ...both((m) => by(m.row.signedOffBy, m.row.signedOffAt, ctx))),
    compareRow('training curve', ...both((m) => curve(m))),
  ];
  return html`<section class="compare" id="compare"><h2>Compare</h2>
<table class="compare-table"><thead><tr><th></th><th>A: ${a.row.modelId}</th><th>B: ${b.row.modelId}</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** The Library of one plot type: every model version, how it was made and judged, and what may be done with it. */
export function libraryView(d: LibraryData, ctx: PageContext, notice: LibraryNotice = {}): View {
  const tabs = html`<nav class="plot-tabs" aria-label="Plot types">${d.plotTypes.map((p) => html`<a href="${libraryHref(p.name)}"${p.name === d.plot?.name ? html` aria-current="page"` : ''}>${p.name}</a>`)}</nav>`;
  if (!d.plot)
    return {
      page: 'library',
      title: 'Library',
      main: html`<section class="library"><h1>Library</h1><p class="muted">No plot types yet (hydra plot-types apply FILE.yaml).</p></section>`,
    };
  const active = d.models.find((m) => m.row.status === 'active');
  const rollback = active?.row.replacedModelId;
  const main = html`<section class="library" data-plot="${d.plot.name}">
<h1>Library</h1>
${tabs}
${notice.ok ? html`<p class="flash" role="status">${notice.ok}</p>` : ''}
${notice.problem ? html`<p class="flash bad" role="alert">${notice.problem}</p>` : ''}
<h2>${d.plot.spec.title ?? d.plot.name} <span class="muted">${d.plot.detector}</span></h2>
<p class="active-model">${active ? html`Active model: <a href="#model-${active.row.modelId}"><strong>${active.row.modelId}</strong></a>, activated by ${by(active.row.activatedBy, active.row.activatedAt, ctx)} ${trailingLine(d.sustain ?? null, active.row.modelId, ctx.tz)}` : html`<strong class="warn">No active model</strong>: images of this plot type are not classified.`}
${d.mayAct && rollback ? post(ctx, '/library/rollback', html`<input type="hidden" name="plot" value="${d.plot.name}"><button type="submit">Roll back to ${rollback}</button>`) : ''}</p>
${d.mayAct ? html`${trainForm(d, ctx)}${importForm(d.plot, ctx)}` : ''}
${runsTable(d, ctx)}
${backfillsTable(d.backfills ?? [], ctx)}
<h2>Models</h2>
${d.models.length ? modelTable(d, ctx) : html`<p class="muted">No models yet.</p>`}
${d.compare ? compareView(d.compare, ctx) : ''}
${d.models.map((lm) => modelCard(lm, d, ctx))}
</section>`;
  return { page: 'library', title: `Library · ${d.plot.name}`, main };
}
