import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../blobs/store.ts';
import type { EventMetadata } from '../events/envelope.ts';
import type { Db } from '../db/connection.ts';
import type { EventLog } from '../events/log.ts';
import { readRegularFile } from '../ingest/files.ts';
import type { Ingestor } from '../ingest/ingest.ts';
import { currentLabels } from '../projections/labels/queries.ts';
import { parseLabelCsv, type LabelRow, type RowProblem } from './csv.ts';
import { importLabelId, labelAssigned, labelProblem, type PlotTypeLookup } from './decide.ts';

/**
 * `hydra labels import FILE.csv`: every row's image is ingested (if it is not stored yet) exactly as
 * any other arrival, then its label is appended. The whole file is checked first; one bad row and
 * nothing is imported.
 */

export class LabelImportError extends Error {
  override readonly name = 'LabelImportError';
  readonly code = 'HYDRA_LABEL_IMPORT_INVALID';
  readonly status = 400;
  constructor(
    readonly file: string,
    readonly problems: readonly RowProblem[],
    options?: { cause?: unknown },
  ) {
    super(describeProblems(file, problems), options);
  }
}

export function describeProblems(file: string, problems: readonly RowProblem[], show = 20): string {
  const lines = problems.slice(0, show).map((p) => `  line ${p.line}: ${p.message}`);
  const more = problems.length > show ? [`  ... and ${problems.length - show} more`] : [];
  return [`${file}: ${problems.length} bad row(s), nothing imported:`, ...lines, ...more].join('\n');
}

/** A row whose image was read: its id, or why it cannot be used. */
export type CheckedFile = { readonly imageId: string } | { readonly problem: string };

/**
 * Pure: the problems of a parsed file given the plot types and what reading each row's image gave.
 * Also flags one image listed twice with different labels (which one would win is not obvious).
 */
export function validateRows(
  rows: readonly LabelRow[],
  plotTypes: PlotTypeLookup,
  files: ReadonlyMap<number, CheckedFile>,
): RowProblem[] {
  const problems: RowProblem[] = [];
  const seen = new Map<string, LabelRow>();
  for (const row of rows) {
    const p = labelProblem(plotTypes, row.plotType, row.label);
    if (p) {
      problems.push({ line: row.line, message: p.message }); // one problem per row is enough to fix it
      continue;
    }
    const f = files.get(row.line);
    if (!f) continue;
    if ('problem' in f) {
      problems.push({ line: row.line, message: `${row.file}: ${f.problem}` });
      continue;
    }
    const first = seen.get(f.imageId);
    if (first && (first.label !== row.label || first.plotType !== row.plotType)) {
      problems.push({
        line: row.line,
        message: `${row.file} is the same image as ${first.file} on line ${first.line}, labelled ${row.plotType}/${row.label} here but ${first.plotType}/${first.label} there`,
      });
    } else if (!first) {
      seen.set(f.imageId, row);
    }
  }
  return problems.sort((a, b) => a.line - b.line);
}

export interface ImportProgress {
  readonly phase: 'checking' | 'ingesting' | 'labelling';
  readonly done: number;
  readonly total: number;
}

export interface ImportSummary {
  readonly rows: number;
  readonly images: number;
  readonly imagesNew: number;
  readonly labelsAppended: number;
  readonly labelsUnchanged: number;
  /** Columns of the CSV that were not read. */
  readonly ignoredColumns: readonly string[];
}

export interface ImportDeps {
  readonly log: EventLog;
  readonly plotTypes: PlotTypeLookup;
  readonly ingestor: Ingestor;
  /** The labels read model, to leave alone images whose current label is already this one. */
  readonly db?: Db;
}

export interface ImportOptions {
  readonly user: string;
  /** The folder rows' paths are relative to and must stay inside; by default the CSV's. */
  readonly root?: string;
  readonly metadata: EventMetadata;
  readonly onProgress?: (p: ImportProgress) => void;
  readonly concurrency?: number;
}

const inside = (root: string, p: string): boolean => {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/**
 * A row's image, read only when its path stays inside the root (links included: the real path must too) and
 * it is a regular file of at most maxBytes; otherwise why not, for the row's refusal.
 */
export async function readRowImage(
  root: string,
  file: string,
  maxBytes: number,
): Promise<{ readonly bytes: Buffer } | { readonly problem: string }> {
  if (path.isAbsolute(file)) return { problem: `an absolute path; paths are relative to ${root}` };
  const resolved = path.resolve(root, file);
  if (!inside(root, resolved)) return { problem: `outside ${root}; paths must stay inside it` };
  let real: string;
  try {
    real = await realpath(resolved);
  } catch (err) {
    return { problem: `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  if (!inside(await realpath(root), real)) return { problem: `leads outside ${root} through a link` };
  const r = await readRegularFile(real, maxBytes);
  if (r.kind === 'read') return { bytes: r.bytes };
  if (r.kind === 'not-regular') return { problem: `${r.what}, not a regular file; not read` };
  if (r.kind === 'too-large') return { problem: `${r.size} bytes, over the limit of ${maxBytes}; not read` };
  return { problem: 'cannot read it (ENOENT)' };
}

/** Runs fn over items with at most `limit` in flight, in order of start; results in input order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
  tick?: (done: number) => void,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0,
    done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
      tick?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function importLabels(deps: ImportDeps, csvFile: string, opts: ImportOptions): Promise<ImportSummary> {
  const dir = path.resolve(opts.root ?? path.dirname(path.resolve(csvFile)));
  const { rows, problems: parseProblems, ignoredColumns } = parseLabelCsv(await readFile(csvFile, 'utf8'));
  const limit = opts.concurrency ?? 8;
  const progress = (phase: ImportProgress['phase'], total: number) => (done: number) =>
    opts.onProgress?.({ phase, done, total });

  // 1. Check everything: labels against the plot types, every image readable and a sound PNG.
  const checked = await mapLimit(
    rows,
    limit,
    async (row): Promise<CheckedFile> => {
      const read = await readRowImage(dir, row.file, deps.ingestor.maxBytes);
      if ('problem' in read) return read;
      const ok = deps.ingestor.inspect(read.bytes);
      return ok.ok ? { imageId: sha256Hex(read.bytes) } : { problem: `${ok.code}: ${ok.reason}` };
    },
    progress('checking', rows.length),
  );
  const files = new Map(rows.map((r, i) => [r.line, checked[i]!]));
  const problems = [...parseProblems, ...validateRows(rows, deps.plotTypes, files)].sort((a, b) => a.line - b.line);
  if (problems.length) throw new LabelImportError(csvFile, problems);
  if (rows.length === 0)
    return { rows: 0, images: 0, imagesNew: 0, labelsAppended: 0, labelsUnchanged: 0, ignoredColumns };

  // 2. Ingest each distinct image (a stored one is recognised and not stored again).
  const byImage = new Map<string, LabelRow>();
  rows.forEach((r, i) => {
    const f = checked[i]!;
    if ('imageId' in f && !byImage.has(f.imageId)) byImage.set(f.imageId, r);
  });
  const unique = [...byImage.entries()];
  let imagesNew = 0;
  await mapLimit(
    unique,
    limit,
    async ([imageId, row]) => {
      const read = await readRowImage(dir, row.file, deps.ingestor.maxBytes);
      if ('problem' in read)
        throw new Error(`${row.file} (line ${row.line}) changed while it was imported: ${read.problem}`);
      const bytes = read.bytes;
      const outcome = await deps.ingestor.ingest(bytes, {
        source: row.file.slice(0, 1000),
        fileName: path.basename(row.file),
        run: row.run ?? 0,
        ...(row.runPeriod ? { runPeriod: row.runPeriod } : {}),
        declared: { plotType: row.plotType, pad: row.pad ?? 1, chunk: row.chunk ?? 0 },
      });
      if (outcome.kind !== 'arrived')
        throw new Error(
          `${row.file} (line ${row.line}) was not ingested: ${outcome.kind === 'rejected' ? outcome.reason : outcome.kind}`,
        );
      if (outcome.imageId !== imageId) throw new Error(`${row.file} changed while it was imported`);
      if (!outcome.duplicate) imagesNew++;
    },
    progress('ingesting', unique.length),
  );

  // 3. Append the labels that change something, with dedup ids: importing again stores nothing.
  const current = deps.db
    ? await currentLabels(
        deps.db,
        unique.map(([id]) => id),
      )
    : new Map<string, { label: string; user: string }>();
  const wanted = unique
    .map(([imageId, row]) => ({ imageId, row, user: row.user ?? opts.user }))
    .filter(
      ({ imageId, row, user }) => !(current.get(imageId)?.label === row.label && current.get(imageId)?.user === user),
    );
  let appended = 0;
  const tick = progress('labelling', wanted.length);
  for (let i = 0; i < wanted.length; i += 500) {
    const batch = wanted
      .slice(i, i + 500)
      .map(({ imageId, row, user }) =>
        labelAssigned(
          { imageId, plotType: row.plotType, label: row.label, user, ...(row.comment ? { comment: row.comment } : {}) },
          opts.metadata,
          importLabelId(imageId, row.label, user),
        ),
      );
    const results = await deps.log.appendMany(batch);
    appended += results.filter((r) => !r.duplicate).length;
    tick(Math.min(wanted.length, i + 500));
  }
  return {
    rows: rows.length,
    images: unique.length,
    imagesNew,
    labelsAppended: appended,
    labelsUnchanged: unique.length - appended,
    ignoredColumns,
  };
}
