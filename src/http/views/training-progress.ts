import type { TrainingRow } from '../../projections/trainings/table.ts';
import { duration, percent } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { trainingCurve } from './library.ts';

/** How often a page asks again while a run trains (htmx polling: the fragment drops it once the run has an outcome). */
export const PROGRESS_POLL = 'every 2s';

/** Whether a run may still change (the pages keep asking while it is). */
export const isLive = (t: Pick<TrainingRow, 'status'>): boolean => t.status === 'requested' || t.status === 'running';

/**
 * The time the run's remaining epochs should take, from the mean time between its finished epochs (null before two).
 * An upper bound: early stopping (patience) may end the run sooner.
 */
export function timeLeftMs(t: Pick<TrainingRow, 'epochs' | 'parameters'>): number | null {
  const first = t.epochs[0];
  const last = t.epochs.at(-1);
  if (!first || !last || last.epoch <= first.epoch) return null;
  const planned = last.epochs ?? t.parameters?.epochs;
  const perEpoch = (Date.parse(last.at) - Date.parse(first.at)) / (last.epoch - first.epoch);
  if (!Number.isFinite(perEpoch) || !planned) return null;
  return Math.max(0, planned - last.epoch) * perEpoch;
}

/** Where a run stands: epoch n of N, its loss and validation accuracies, speed and the time left. */
export function progressLine(t: TrainingRow): Html {
  const last = t.epochs.at(-1);
  if (!last) {
    return t.status === 'requested'
      ? html`<span class="muted">waiting for a training worker</span>`
      : html`<span class="muted">preparing the dataset</span>`;
  }
  const left = timeLeftMs(t);
  const parts: Html[] = [
    html`epoch <strong class="epoch">${last.epoch}</strong> of ${last.epochs}`,
    html`loss ${last.loss.toFixed(3)}`,
    html`validation accuracy ${percent(last.valAccuracy)}`,
  ];
  if (last.valBalancedAccuracy !== undefined) parts.push(html`balanced ${percent(last.valBalancedAccuracy)}`);
  if (last.imagesPerSecond !== undefined) parts.push(html`${Math.round(last.imagesPerSecond)} images/s`);
  if (isLive(t)) parts.push(left === null ? html`time left: estimating` : html`about ${duration(left)} left`);
  return html`${parts.map((p, i) => html`${i ? ', ' : ''}${p}`)}`;
}

/**
 * The report's live block: status line and curve. While the run trains it polls its own fragment route and is
 * swapped by the answer; once the run has an outcome the answer carries no trigger (and tells htmx to reload the
 * page, which then shows the whole report).
 */
export function reportProgress(t: TrainingRow): Html {
  const live = isLive(t);
  const poll = live
    ? html` hx-get="${href(['training', t.trainingId, 'progress'])}" hx-trigger="${PROGRESS_POLL}" hx-swap="outerHTML"`
    : '';
  const state = t.status === 'running' ? 'Training' : t.status === 'requested' ? 'Requested' : 'Finished';
  return html`<div id="training-progress" class="training-progress" data-status="${t.status}"${poll}>
<p class="flash" aria-live="polite">${state}: ${progressLine(t)}${live ? html` <span class="muted live-note">· updates by itself</span>` : ''}</p>
${trainingCurve(t, `training curve of ${t.trainingId}`)}
</div>`;
}
