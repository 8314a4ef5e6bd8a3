import { imageOnArrival } from '../images/projection.ts';
import { defineProjection } from '../runtime/projection.ts';
import { utc } from '../verdicts/time.ts';
import { labelHistory, labelQueue, type LabelHistoryRow, type LabelQueueRow } from './table.ts';

const unlabelled = {
  labelled: false,
  label: null,
  labelUser: null,
  labelledAt: null,
  batch: null,
} as const satisfies Partial<LabelQueueRow>;

/**
 * The Labeler's queues (see the table), one row per image (labels are about content): it starts with the image's
 * first arrival, and the verdict is the latest on any of its arrivals: sampling, verdicts and labels
 * only ever follow an arrival in the stream (labels are refused for images that have not arrived).
 */
export const labelQueueProjection = defineProjection({
  name: 'label_queue',
  table: labelQueue,
  idColumn: 'imageId',
  handles: [
    'image.arrived',
    'image.sampled',
    'inference.completed',
    'label.assigned',
    'label.retracted',
    'label.commented',
    'label.unsure-flagged',
    'label.unsure-cleared',
  ],
  keyOf: (e) => e.key,
  evolve(current: LabelQueueRow | null, e): LabelQueueRow | null {
    if (e.type === 'image.arrived')
      return imageOnArrival(current, e.data, (d) => ({
        imageId: d.imageId,
        plotType: d.plotType,
        run: d.run,
        chunk: d.chunk,
        pad: d.pad,
        at: utc(d.arrivedAt),
        unbiased: false,
        bad: false,
        unconfirmed: false,
        verdict: null,
        confidence: null,
        confirmed: null,
        modelId: null,
        ...unlabelled,
        unsure: false,
        unsureBy: null,
        comments: 0,
      }));
    if (!current) return null;
    switch (e.type) {
      case 'image.sampled':
        return { ...current, [e.data.reason]: true };
      case 'inference.completed':
        return {
          ...current,
          verdict: e.data.verdict,
          confidence: e.data.confidence,
          confirmed: e.data.confirmed,
          modelId: e.data.modelId,
        };
      case 'label.assigned':
        return {
          ...current,
          labelled: true,
          label: e.data.label,
          labelUser: e.data.user,
          labelledAt: e.time,
          batch: e.data.batch ?? null,
        };
      case 'label.retracted':
        // Withdrawing a label that is no longer the current one changes nothing.
        return current.label === e.data.label ? { ...current, ...unlabelled } : current;
      case 'label.commented':
        return { ...current, comments: current.comments + 1 };
      case 'label.unsure-flagged':
        return { ...current, unsure: true, unsureBy: e.data.user };
      case 'label.unsure-cleared':
        return { ...current, unsure: false, unsureBy: null };
      default:
        return current;
    }
  },
});

/** One row per label event: the history the editor shows (who labelled, withdrew, commented or doubted, when). */
export const labelHistoryProjection = defineProjection({
  name: 'label_history',
  table: labelHistory,
  idColumn: 'seq',
  handles: ['label.assigned', 'label.retracted', 'label.commented', 'label.unsure-flagged', 'label.unsure-cleared'],
  keyOf: (e) => String(e.seq),
  evolve(current: LabelHistoryRow | null, e): LabelHistoryRow | null {
    if (current) return current;
    const base = { seq: String(e.seq), imageId: e.key, at: e.time, by: e.metadata.user ?? null };
    switch (e.type) {
      case 'label.assigned':
      case 'label.retracted':
        return {
          ...base,
          plotType: e.data.plotType,
          kind: e.type === 'label.assigned' ? 'assigned' : 'retracted',
          label: e.data.label,
          user: e.data.user,
          comment: e.data.comment ?? null,
          batch: e.data.batch ?? null,
          undoes: e.data.undoes ?? null,
        };
      case 'label.commented':
      case 'label.unsure-flagged':
      case 'label.unsure-cleared':
        return {
          ...base,
          plotType: e.data.plotType,
          kind: { 'label.commented': 'comment', 'label.unsure-flagged': 'unsure', 'label.unsure-cleared': 'sure' }[
            e.type
          ],
          label: null,
          user: e.data.user,
          comment: 'comment' in e.data ? (e.data.comment ?? null) : null,
          batch: null,
          undoes: null,
        };
      default:
        return null;
    }
  },
});
