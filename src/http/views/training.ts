import type { PlotTypeSpec } from '../../events/plottype.ts';

type LabelSpec = PlotTypeSpec['labels'][number];
import type { ModelRow } from '../../projections/models/table.ts';
import type { PlotTypeRow } from '../../projections/plot-types/table.ts';
import type { TrainingRow } from '../../projections/trainings/table.ts';
import type { ReportSample } from '../../training/report.ts';
import { HISTOGRAM_BINS } from '../../training/evaluate.ts';
import { inkOn, when } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { csrfField, type PageContext, type View } from './layout.ts';
import { metrics, statusBadge, trainingCurve } from './library.ts';
import { reportProgress } from './training-progress.ts';

export interface ReportData {
  readonly training: TrainingRow;
  readonly plot: PlotTypeRow | null;
  readonly model: ModelRow | null;
  /** Every validation sample the report can show (all, or only the misclassified ones of an older run). */
  readonly samples: readonly ReportSample[];
  /** Whether the run kept per-image predictions (then every cell lists its images). */
  readonly complete: boolean;
  /** Each shown image's current label and who gave it. */
  readonly labels: ReadonlyMap<string, { label: string; user: string }>;
  /** The cell asked for (`?true=…&predicted=…`), with its images. */
  readonly cell: {
    readonly label: string;
    readonly predicted: string;
    readonly samples: readonly ReportSample[];
  } | null;
  /** May label images (Labeler and up). */
  readonly mayLabel: boolean;
  /** May sign off or reject (an Expert of the plot type's detector, or an Admin). */
  readonly mayJudge: boolean;
  /** A fresh apply id for each relabel form on this page (a retried post stores nothing twice). */
  readonly batchId: () => string;
}

export interface ReportNotice {
  readonly ok?: string;
  readonly problem?: string;
}

const reportPath = (id: string) => href(['training', id]);

function post(ctx: PageContext, action: string, body: Html, cls = 'inline'): Html {
  return html`<form method="post" action="${action}" class="${cls}">${csrfField(ctx)}${body}</form>`;
}

/** The confidences of a cell's images as ten bars over 0–1 (the tallest bin fills the height). */
function histogram(bins: readonly number[], title: string): Html {
  const max = Math.max(1, ...bins);
  const w = 100 / HISTOGRAM_BINS;
  const bars = bins.map(
    (n, i) =>
      html`<rect x="${(i * w + 0.5).toFixed(1)}" y="${(24 - (24 * n) / max).toFixed(1)}" width="${(w - 1).toFixed(1)}" height="${((24 * n) / max).toFixed(1)}"><title>confidence ${(i / HISTOGRAM_BINS).toFixed(1)}–${((i + 1) / HISTOGRAM_BINS).toFixed(1)}: ${n}</title></rect>`,
  );
  return html`<svg class="hist" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" aria-label="${title}">${bars}</svg>`;
}

function matrix(d: ReportData): Html {
  const e = d.model?.evaluation ?? d.training.result?.evaluation;
  if (!e) return html``;
  const id = d.training.trainingId;
  const rows = e.labels.map(
    (label, t) =>
      html`<tr><th scope="row">${label}</th>${e.labels.map((predicted, p) => {
        const n = e.confusion[t]![p]!;
        const here = d.cell?.label === label && d.cell.predicted === predicted;
        const cls = `${t === p ? 'hit' : n ? 'miss' : 'empty'}${here ? ' here' : ''}`;
        const link = href(['training', id], { true: label, predicted });
        return html`<td class="${cls}"><a href="${link}#cell" data-cell="${label}:${predicted}" title="true ${label}, predicted ${predicted}: ${n} images"><span class="count">${n}</span>${histogram(e.confidenceHistograms[t]?.[p] ?? [], `confidences of ${label} called ${predicted}`)}</a></td>`;
      })}</tr>`,
  );
  return html`<table class="confusion"><thead><tr><th class="corner">true ╲ predicted</th>${e.labels.map((l) => html`<th scope="col">${l}</th>`)}</tr></thead><tbody>${rows}</tbody></table>
<p class="muted">Each cell: how many validation images, and the histogram of the model's confidence for them (0 to 1, left to right). Click a cell to see its images.</p>`;
}

function scores(s: ReportSample, colours: ReadonlyMap<string, string>): Html {
  const entries = Object.entries(s.scores).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return html`<p class="muted">confidence ${s.confidence.toFixed(2)}</p>`;
  return html`<ul class="scores">${entries.map(([l, v]) => html`<li><span class="score-name">${l}</span><span class="score-bar"><span style="width:${(100 * v).toFixed(0)}%;background:${colours.get(l) ?? '#888'}"></span></span><span class="score-value">${v.toFixed(2)}</span></li>`)}</ul>`;
}

/** One validation image as a card: its label, the model's verdict and scores, and (for Labelers) relabel buttons. */
function card(s: ReportSample, d: ReportData, ctx: PageContext, labels: readonly LabelSpec[]): Html {
  const colours = new Map(labels.map((l) => [l.name, l.colour]));
  const now = d.labels.get(s.imageId);
  const changed = now && now.label !== s.label;
  const relabel = d.mayLabel
    ? post(
        ctx,
        href(['training', d.training.trainingId, 'relabel']),
        html`<input type="hidden" name="image" value="${s.imageId}"><input type="hidden" name="batch" value="${d.batchId()}">${d.cell ? html`<input type="hidden" name="true" value="${d.cell.label}"><input type="hidden" name="predicted" value="${d.cell.predicted}">` : ''}
<span class="muted">label as</span> ${labels.map((l) => html`<button type="submit" name="label" value="${l.name}" class="label-button${now?.label === l.name ? ' current' : ''}" style="background:${l.colour};color:${inkOn(l.colour)}">${l.name}</button>`)}`,
        'inline relabel',
      )
    : '';
  return html`<article class="report-card${changed ? ' relabelled' : ''}" data-image="${s.imageId}">
<a href="${href(['blobs', s.imageId])}" target="_blank" rel="noopener"><img src="${href(['blobs', s.imageId, 'thumb'])}" alt="validation image ${s.imageId.slice(0, 12)}"></a>
<p><span class="muted">labelled</span> <strong>${s.label}</strong>, <span class="muted">model says</span> <strong>${s.predicted}</strong> (${s.confidence.toFixed(2)})</p>
${scores(s, colours)}
${now ? html`<p class="now-label">now: <strong>${now.label}</strong> <span class="muted">by ${now.user}</span></p>` : ''}
${relabel}
</article>`;
}

function judge(d: ReportData, ctx: PageContext): Html {
  const m = d.model;
  if (!m) return html``;
  const library = href(['library'], { plot: m.plotType });
  const state = html`<p>Model <a href="${library}#model-${m.modelId}"><strong>${m.modelId}</strong></a> ${statusBadge(m)}${m.signedOffBy ? html`, signed off by ${m.signedOffBy}${m.signedOffAt ? html` ${when(m.signedOffAt, ctx.tz, ctx.now)}` : ''}${m.signOffComment ? html` <q>${m.signOffComment}</q>` : ''}` : ''}${m.status !== 'active' && m.status !== 'retired' && m.signedOffBy ? html` — <a href="${library}#model-${m.modelId}">activate it in the Library</a>` : ''}</p>`;
  if (!d.mayJudge || m.status === 'retired' || m.signedOffBy) return state;
  const action = (what: string) => href(['training', d.training.trainingId, what]);
  return html`${state}<div class="judge">
${post(ctx, action('signoff'), html`<input name="comment" maxlength="2000" placeholder="comment (optional)" aria-label="sign-off comment" size="40"> <button type="submit" class="primary">Sign off</button>`)}
${post(ctx, action('reject'), html`<input name="comment" maxlength="2000" required placeholder="why it must not be used" aria-label="why reject" size="40"> <button type="submit" class="danger">Reject</button>`)}
</div>`;
}

/** The training report: metrics, the enhanced confusion matrix, the misclassified images, and the verdict on it. */
export function trainingView(d: ReportData, ctx: PageContext, notice: ReportNotice = {}): View {
  const t = d.training;
  const labels = d.plot?.spec.labels ?? [];
  const r = t.result;
  const wrong = d.samples.filter((s) => s.label !== s.predicted);
  const outcome =
    t.status === 'failed'
      ? html`<p class="flash bad">Failed: <strong>${t.failureCode}</strong> ${t.failureReason}</p>`
      : t.status !== 'completed'
        ? html`${reportProgress(t)}
${d.mayJudge ? post(ctx, href(['training', t.trainingId, 'cancel']), html`<input name="reason" maxlength="500" placeholder="why (optional)" aria-label="why cancel" size="30"> <button type="submit" class="danger">Cancel training</button>`) : ''}`
        : '';
  const main = html`<section class="report" data-training="${t.trainingId}">
<h1>Training report <span class="muted">${t.trainingId}</span></h1>
<p><a href="${href(['library'], { plot: t.plotType })}">${t.plotType}</a> · requested by ${t.requester || 'someone'} ${when(t.requestedAt, ctx.tz, ctx.now)}${t.reason ? html` <span class="muted">(${t.reason})</span>` : ''}${t.finishedAt ? html` · finished ${when(t.finishedAt, ctx.tz, ctx.now)}` : ''}</p>
${notice.ok ? html`<p class="flash" role="status">${notice.ok}</p>` : ''}
${notice.problem ? html`<p class="flash bad" role="alert">${notice.problem}</p>` : ''}
${outcome}
${judge(d, ctx)}
${
  r
    ? html`<div class="report-grid">
<section><h2>Validation</h2>${metrics(d.model ?? { evaluation: r.evaluation })}
<p class="muted">${r.dataset.validation} validation images of ${r.dataset.size}; ${Object.entries(r.dataset.perLabel)
        .map(([l, n]) => `${l} ${n}`)
        .join(', ')}</p></section>
<section><h2>Confusion matrix</h2>${matrix(d)}</section>
<section><h2>Training curve</h2>${trainingCurve(t, `training curve of ${t.trainingId}`)}</section>
</div>`
    : t.status === 'failed'
      ? trainingCurve(t, `training curve of ${t.trainingId}`)
      : ''
}
${
  d.cell
    ? html`<section id="cell" class="cell-images"><h2>True ${d.cell.label}, predicted ${d.cell.predicted}: ${d.cell.samples.length} images <a class="muted" href="${reportPath(t.trainingId)}">close</a></h2>
${!d.complete && d.cell.label === d.cell.predicted ? html`<p class="muted">This run kept no per-image predictions: only its misclassified images can be listed.</p>` : ''}
<div class="cards">${d.cell.samples.map((s) => card(s, d, ctx, labels))}</div></section>`
    : ''
}
${
  r
    ? html`<section class="misclassified"><h2>Misclassified validation images: ${wrong.length}</h2><p class="muted">Most confidently wrong first. A wrong label here teaches the next model the wrong thing: relabel it on the spot (the label says it came from this report).</p>
<div class="cards">${wrong.map((s) => card(s, d, ctx, labels))}</div></section>`
    : ''
}
</section>`;
  return { page: 'library', title: `Training ${t.trainingId}`, main };
}
