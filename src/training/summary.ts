import type { EventData } from '../events/catalog.ts';
import type { ModelRow } from '../projections/models/table.ts';
import { balancedAccuracy } from './evaluate.ts';

/** What `hydra train --wait` and `hydra models list` print: pure text from events and rows. */

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  // Numbers line up on the right, words on the left.
  return rows.map((r) =>
    r
      .map((cell, c) => (c > 0 && /^[\d.%]+$/.test(cell) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

export function evaluationSummary(d: EventData<'training.completed'>): string[] {
  const e = d.evaluation;
  const t = d.trainer;
  const lines = [
    `model ${d.modelId} (training ${d.trainingId}, ${d.plotType})`,
    `trained in ${d.durationSeconds.toFixed(1)} s${t ? ` on ${t.device}, ${t.epochsRun} epochs (best ${t.bestEpoch}), ${Math.round(t.imagesPerSecond)} images/s` : ''}; input ${d.input.width}x${d.input.height}x${d.input.channels}`,
    `dataset: ${d.dataset.size} images (${d.dataset.train} train, ${d.dataset.validation} validation): ${Object.entries(
      d.dataset.perLabel,
    )
      .map(([l, n]) => `${l} ${n}`)
      .join(
        ', ',
      )}${d.dataset.skipped ? `; ${d.dataset.skipped} unreadable images skipped` : ''}; manifest ${d.dataset.manifestHash.slice(0, 12)}`,
    `validation accuracy ${pct(e.accuracy)}, balanced accuracy ${pct(balancedAccuracy(e))}, calibration error ${e.calibrationError.toFixed(3)}`,
    '',
    ...table([
      ['label', 'precision', 'recall', 'threshold'],
      ...e.labels.map((l) => [
        l,
        (e.precision[l] ?? 0).toFixed(3),
        (e.recall[l] ?? 0).toFixed(3),
        (e.thresholds[l] ?? 0).toFixed(3),
      ]),
    ]),
    '',
    'confusion (rows: true label, columns: predicted)',
    ...table([['', ...e.labels], ...e.labels.map((l, i) => [l, ...e.confusion[i]!.map(String)])]),
    '',
  ];
  if (e.misclassified.length === 0) lines.push('misclassified validation images: none');
  else {
    lines.push(`misclassified validation images: ${e.misclassified.length} (most confident first)`);
    for (const m of e.misclassified.slice(0, 10))
      lines.push(`  ${m.imageId.slice(0, 16)}  ${m.label} -> ${m.predicted} (${m.confidence.toFixed(2)})`);
    if (e.misclassified.length > 10) lines.push(`  ... and ${e.misclassified.length - 10} more`);
  }
  return lines;
}

export function failureSummary(d: EventData<'training.failed'>): string[] {
  return [`training ${d.trainingId} (${d.plotType}) failed: ${d.code}`, ...d.reason.split('\n').map((l) => `  ${l}`)];
}

export function modelsTable(rows: readonly ModelRow[]): string[] {
  if (rows.length === 0) return ['no models yet: hydra train --plot-type NAME (or hydra models import FILE.onnx ...)'];
  const sorted = [...rows].sort((a, b) =>
    a.plotType === b.plotType ? b.createdAt.localeCompare(a.createdAt) : a.plotType.localeCompare(b.plotType),
  );
  return table([
    [
      'model',
      'plot type',
      'status',
      'origin',
      'labels',
      'accuracy',
      'balanced',
      'recall',
      'images',
      'created',
      'signed off by',
    ],
    ...sorted.map((m) => [
      m.modelId,
      m.plotType,
      m.status,
      m.origin,
      m.labels.join('/'),
      m.evaluation ? pct(m.evaluation.accuracy) : '-',
      m.evaluation ? pct(balancedAccuracy(m.evaluation)) : '-',
      m.evaluation ? m.evaluation.labels.map((l) => `${l} ${pct(m.evaluation!.recall[l] ?? 0)}`).join(', ') : '-',
      m.datasetSize === null ? '-' : String(m.datasetSize),
      m.createdAt.slice(0, 16).replace('T', ' '),
      m.signedOffBy ?? '-',
    ]),
  ]);
}
