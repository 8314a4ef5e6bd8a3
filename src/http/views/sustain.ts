import type { VerdictMixEvidence } from '../../events/sustain.ts';
import type { SustainDecisionRow } from '../../projections/sustain/table.ts';
import { dateTime, percent } from '../format.ts';
import { html, type Html } from '../html.ts';

/**
 * The self-sustaining loop's view of one plot type (Timeline, and the Library if it wants it): the current
 * assessment of the active model (trailing accuracy on the unbiased labelled sample with its interval, each
 * label's recall, how fresh labelling is, the drift signal) and every decision of the loop with its reason.
 */

export interface SustainData {
  readonly latest: SustainDecisionRow | null;
  readonly history: readonly SustainDecisionRow[];
}

const STATUS_TEXT: Record<string, string> = {
  ok: 'consistent with validation',
  insufficient: 'too few labelled samples to judge',
  stale: 'labelling lags: the figure describes the past',
  degraded: 'significantly below validation: retraining requested',
  drifting: 'confidences or verdict mix drifted: the unbiased sample needs labels',
  'cooling-down': 'retraining already requested',
  activated: 'retrained model won and was activated',
  'awaits-sign-off': 'retrained model won, waits for an Expert',
  'champion-kept': 'retrained model did not win',
};

const hours = (ms: number) => (ms >= 3600_000 ? `${(ms / 3600_000).toFixed(1)} h` : `${Math.round(ms / 60_000)} min`);
const range = (i: { estimate: number | null; low: number; high: number }) =>
  i.estimate === null
    ? '–'
    : html`${percent(i.estimate)} <span class="muted">(95% ${percent(i.low)}–${percent(i.high)})</span>`;

/** The interval as a bar on 0–100 %, the estimate marked, the validation accuracy as a tick to hold it against. */
function intervalBar(i: { estimate: number | null; low: number; high: number }, validation: number): Html {
  if (i.estimate === null) return html``;
  const at = (x: number) => `${(100 * x).toFixed(1)}%`;
  return html`<span class="ci-bar" role="img" aria-label="95% interval ${percent(i.low)} to ${percent(i.high)}, validation ${percent(validation)}"><span class="ci-range" style="left:${at(i.low)};width:${at(i.high - i.low)}"></span><span class="ci-estimate" style="left:${at(i.estimate)}"></span><span class="ci-validation" style="left:${at(validation)}" title="validation ${percent(validation)}"></span></span>`;
}

/** The verdict mix's labels, recent share against reference share. */
function mixShares(m: VerdictMixEvidence): Html {
  const share = (k: number, n: number) => percent(n === 0 ? 0 : k / n);
  return html`${m.labels.map((l, i) => html`${i ? ', ' : ''}${l.label} ${share(l.recent, m.recent)} <span class="muted">(was ${share(l.reference, m.reference)})</span>`)}`;
}

/** What a decision was taken on, in one line: the sample, the test, the drift, the backlog. */
function evidenceLine(row: SustainDecisionRow): Html {
  const c = row.comparison;
  if (c)
    return html`challenger ${percent(c.challengerAccuracy)} vs champion ${percent(c.championAccuracy)} on ${c.samples} <span class="muted">(${c.challengerOnly} vs ${c.championOnly} where they differ, p = ${c.pValue.toExponential(1)})</span>`;
  const e = row.evidence;
  if (!e) return html``;
  return html`${percent(e.accuracy.estimate)} on ${e.samples}${e.pValue !== null ? html` <span class="muted">p = ${e.pValue.toExponential(1)}</span>` : ''} · drift ${e.drift === null ? '–' : e.drift.toFixed(2)}${e.verdictMix ? html` · mix shift ${percent(e.verdictMix.shift)} <span class="muted">p = ${e.verdictMix.pValue.toExponential(1)}</span>` : ''} · ${e.waiting} waiting${e.notified ? html` · contact told (${e.notified.to.join(', ')})` : ''}`;
}

function mixLine(m: VerdictMixEvidence | null | undefined): Html {
  if (!m) return html`<span class="muted">too few verdicts since the model's first ones</span>`;
  return html`${mixShares(m)} of the latest ${m.recent} against the first ${m.reference} verdicts: ${m.shifted} moved ${percent(m.shift)} <span class="muted">(G-test p = ${m.pValue.toExponential(1)})</span>${m.drifting ? html` <strong class="sustain-stale">drifting</strong>` : ''}`;
}

function current(row: SustainDecisionRow, tz: string): Html {
  const e = row.evidence;
  if (!e) return html``;
  const recall = Object.entries(e.recall).map(
    ([label, r]) => html`<li>${label}: ${range(r.recall)} <span class="muted">of ${r.samples}</span></li>`,
  );
  const stale = row.status === 'stale';
  return html`${stale ? html`<p class="sustain-warning" role="status">Labelling lags: the oldest of ${e.waiting} unbiased samples has waited ${hours(e.oldestWaitingMs)}. The trailing accuracy below describes the plots up to ${e.to ? dateTime(e.to, tz) : 'the last label'}, not now.</p>` : ''}${row.status === 'drifting' ? html`<p class="sustain-warning" role="status">${e.verdictMix?.drifting ? "The model's verdict mix moved away from its first live verdicts'" : "The model's confidences drifted from its training set's"}: the detector may have changed. Label the unbiased sample to tell.</p>` : ''}<dl class="sustain-now">
<dt>Status</dt><dd><span class="sustain-status sustain-${row.status}">${row.status}</span> ${STATUS_TEXT[row.status] ?? ''} <span class="muted">(model ${row.modelId}, ${dateTime(row.at, tz)})</span></dd>
<dt>Trailing accuracy</dt><dd class="${stale ? 'is-stale' : ''}">${range(e.accuracy)} on the last ${e.samples} unbiased labelled samples (${e.correct} right)${e.from && e.to ? html` <span class="muted">sampled ${dateTime(e.from, tz)} to ${dateTime(e.to, tz)}</span>` : ''}; validation ${percent(e.validationAccuracy)}${e.pValue !== null ? html` <span class="muted">p = ${e.pValue.toExponential(1)}</span>` : ''}${intervalBar(e.accuracy, e.validationAccuracy)}</dd>
<dt>Recall per label</dt><dd>${recall.length ? html`<ul class="inline-list">${recall}</ul>` : '–'}</dd>
<dt>Label freshness</dt><dd>${e.waiting} unbiased samples wait for a label${e.waiting ? `, the oldest for ${hours(e.oldestWaitingMs)}` : ''}${stale ? html` <strong class="sustain-stale">(stale: not current)</strong>` : ''}${e.notified ? html` <span class="muted">· the contact was told (${e.notified.to.join(', ')})</span>` : ''}</dd>
<dt>Confidence drift</dt><dd>${e.drift === null ? html`<span class="muted">too few verdicts</span>` : html`PSI ${e.drift.toFixed(3)}`}</dd>
<dt>Verdict mix</dt><dd>${mixLine(e.verdictMix)}</dd>
</dl>`;
}

export function sustainSection(d: SustainData, tz: string): Html {
  const rows = d.history.map(
    (r) =>
      html`<tr><td class="when">${dateTime(r.at, tz)}</td><td>${r.kind === 'assessed' ? 'assessment' : 'comparison'}</td><td><span class="sustain-status sustain-${r.status}">${r.status}</span></td><td class="model">${r.kind === 'compared' ? `${r.modelId} vs ${r.championId ?? '?'}` : r.modelId}</td><td class="evidence">${evidenceLine(r)}</td><td class="why">${r.why}</td></tr>`,
  );
  return html`<section class="sustain panel" id="sustain"><h2>Self-sustaining loop <span class="muted">(unbiased labelled sample)</span></h2>
${d.latest ? current(d.latest, tz) : html`<p class="empty-note">No assessment yet: the loop assesses plot types with an active model (hydra worker sustain).</p>`}
${rows.length ? html`<h3>Decisions</h3><table class="sustain-history"><thead><tr><th>When</th><th>Decision</th><th>Status</th><th>Model</th><th>Evidence</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>` : ''}
</section>`;
}

/**
 * The active model's trailing accuracy in one line (the Library), linked to the Timeline's section; a stale
 * assessment says it describes the past rather than showing the figure as current.
 */
export function trailingLine(row: SustainDecisionRow | null, modelId: string, tz: string): Html {
  const e = row?.modelId === modelId ? row.evidence : null;
  const link = html`<a href="/timeline?plot=${encodeURIComponent(row?.plotType ?? '')}#sustain">the loop</a>`;
  if (!row || !e) return html``;
  const stale = row.status === 'stale';
  return html`<span class="trailing-accuracy">· trailing accuracy ${range(e.accuracy)} on ${e.samples} unbiased labelled samples ${e.to ? html`up to ${dateTime(e.to, tz)} ` : ''}<span class="sustain-status sustain-${row.status}">${row.status}</span>${stale ? html` <strong class="sustain-stale">stale: labelling lags ${hours(e.oldestWaitingMs)}, not current</strong>` : ''} (${link})</span>`;
}
