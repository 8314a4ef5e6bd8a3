import { z } from 'zod';
import { tokenSchema } from '../events/define.ts';
import { describeIssues, optionalText, wholeNumberText } from '../text-input.ts';

/**
 * The label-import CSV: a header line naming the columns, then one row per image. Required columns:
 * file (relative to the CSV), plot_type, label. Optional: user, comment, run, run_period, chunk, pad.
 * The generator's manifest.csv has this shape (and more columns, which are not read and are named in the summary).
 */

export class CsvError extends Error {
  override readonly name = 'CsvError';
  readonly code = 'HYDRA_CSV_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. Returns rows with their line numbers. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let cells: string[] = [],
    cell = '',
    quoted = false,
    line = 1,
    rowLine = 1,
    i = 0;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRow = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]!.trim() === '')) rows.push({ line: rowLine, cells });
    cells = [];
    cell = '';
  };
  while (i < src.length) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"' && src[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') {
        quoted = false;
        i++;
        continue;
      }
      if (ch === '\n') line++;
      cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      i++;
      continue;
    }
    if (ch === ',') {
      cells.push(cell);
      cell = '';
      i++;
      continue;
    }
    if (ch === '\r' && src[i + 1] === '\n') {
      i++;
      continue;
    }
    if (ch === '\n') {
      endRow();
      line++;
      rowLine = line;
      i++;
      continue;
    }
    cell += ch;
    i++;
  }
  if (quoted) throw new CsvError(`line ${rowLine}: a quoted field is not closed`);
  if (cell !== '' || cells.length > 0) endRow();
  return rows;
}

export const labelRowSchema = z.strictObject({
  file: z.string().trim().min(1, 'file is empty'),
  plot_type: tokenSchema,
  label: tokenSchema,
  user: optionalText(z.string().trim().max(100)),
  comment: optionalText(z.string().trim().max(2000)),
  run: optionalText(wholeNumberText()),
  run_period: optionalText(z.string().trim().max(64)),
  chunk: optionalText(wholeNumberText()),
  pad: optionalText(wholeNumberText()),
});
const COLUMNS = Object.keys(labelRowSchema.shape);

export interface LabelRow {
  readonly line: number;
  readonly file: string;
  readonly plotType: string;
  readonly label: string;
  readonly user?: string;
  readonly comment?: string;
  readonly run?: number;
  readonly runPeriod?: string;
  readonly chunk?: number;
  readonly pad?: number;
}

export interface RowProblem {
  readonly line: number;
  readonly message: string;
}

export const REQUIRED_COLUMNS = ['file', 'plot_type', 'label'] as const;

/** Parses a label CSV into rows and per-line problems (every bad line, not just the first). */
export function parseLabelCsv(text: string): {
  rows: LabelRow[];
  problems: RowProblem[];
  /** Header columns that are not read (a manifest's extra columns, or a misspelt optional one): the import names them. */
  ignoredColumns: string[];
} {
  const all = parseCsv(text);
  if (all.length === 0) throw new CsvError('the file is empty');
  const header = all[0]!.cells.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length)
    throw new CsvError(`the header line lacks column(s) ${missing.join(', ')} (it has: ${header.join(', ')})`);
  // Other columns (a generated manifest.csv has many) are not read; a column read twice would be ambiguous.
  const twice = header.filter((h, k) => COLUMNS.includes(h) && header.indexOf(h) !== k);
  if (twice.length) throw new CsvError(`the header line names column(s) ${[...new Set(twice)].join(', ')} twice`);
  const rows: LabelRow[] = [],
    problems: RowProblem[] = [];
  for (const { line, cells } of all.slice(1)) {
    const record: Record<string, string> = {};
    header.forEach((h, k) => {
      if (COLUMNS.includes(h)) record[h] = cells[k] ?? '';
    });
    const r = labelRowSchema.safeParse(record);
    if (!r.success) {
      problems.push({
        line,
        message: describeIssues(r.error.issues, record, 'row'),
      });
      continue;
    }
    const d = r.data;
    rows.push({
      line,
      file: d.file,
      plotType: d.plot_type,
      label: d.label,
      ...(d.user ? { user: d.user } : {}),
      ...(d.comment ? { comment: d.comment } : {}),
      ...(d.run !== undefined ? { run: d.run } : {}),
      ...(d.run_period ? { runPeriod: d.run_period } : {}),
      ...(d.chunk !== undefined ? { chunk: d.chunk } : {}),
      ...(d.pad !== undefined ? { pad: d.pad } : {}),
    });
  }
  return { rows, problems, ignoredColumns: [...new Set(header.filter((h) => !COLUMNS.includes(h)))] };
}
