import type { PlotTypeSpec } from '../events/plottype.ts';
import { checkPlotTypeEntry, type PlotTypeProblem } from './plan.ts';

/**
 * The plot-type form of the pages: flat fields named by their path in the configuration (`input.width`,
 * `labels.0.colour`, `masks.2.x`), each a text as a browser posts it. They are turned into the same entry a
 * plot-types file holds and checked by the same `checkPlotTypeEntry`, so a page and `hydra plot-types apply`
 * accept and refuse the same things with the same messages; a problem names the form field it belongs to.
 */
export type FormFields = Readonly<Record<string, string | readonly string[] | undefined>>;

type Kind = 'text' | 'optionalText' | 'whole' | 'requiredWhole' | 'decimal' | 'flag' | 'list';

const TOP: Readonly<Record<string, Kind>> = {
  name: 'text',
  title: 'optionalText',
  detector: 'text',
  pattern: 'text',
  contact: 'optionalText',
  collectPercent: 'decimal',
  ignore: 'flag',
  hidden: 'flag',
  heatmap: 'text',
  sampling: 'text',
  'input.width': 'requiredWhole',
  'input.height': 'requiredWhole',
  'input.channels': 'requiredWhole',
  'alarmPolicy.labels': 'list',
  'alarmPolicy.minConfidence': 'decimal',
  'alarmPolicy.consecutive': 'whole',
  'activationBar.minBalancedAccuracy': 'decimal',
  'activationBar.minRecall': 'decimal',
  'retrain.auto': 'flag',
  'retrain.autoActivate': 'flag',
  'retrain.compareSamples': 'whole',
};
const ROWS: Readonly<Record<'labels' | 'masks', Readonly<Record<string, Kind>>>> = {
  labels: { name: 'text', colour: 'text', alarms: 'flag' },
  masks: {
    x: 'requiredWhole',
    y: 'requiredWhole',
    width: 'requiredWhole',
    height: 'requiredWhole',
    reason: 'optionalText',
  },
};
/** The cells that make a row present: a colour picker always posts a colour, so a row with only one is empty. */
const PRESENT: Readonly<Record<'labels' | 'masks', readonly string[]>> = {
  labels: ['name', 'alarms'],
  masks: ['x', 'y', 'width', 'height', 'reason'],
};
/** Rows a form may post per list (the schema's own limits are checked after). */
const MAX_ROWS = 100;

const ALL_FIELDS = [
  ...Object.keys(TOP),
  ...Object.entries(ROWS).flatMap(([list, cols]) => Object.keys(cols).map((c) => `${list}.N.${c}`)),
];

function convert(kind: Kind, text: string): { value?: unknown; problem?: string } {
  switch (kind) {
    case 'text':
      return { value: text };
    case 'optionalText':
      return text.trim() === '' ? {} : { value: text };
    case 'flag':
      return text === 'on' || text === 'true'
        ? { value: true }
        : text === '' || text === 'false'
          ? { value: false }
          : { problem: `"${text}" is not on or off` };
    case 'list':
      return {
        value: text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    case 'whole':
    case 'requiredWhole':
      if (text.trim() === '')
        return kind === 'whole' ? {} : { problem: 'empty; expected a whole number (decimal digits)' };
      return /^[0-9]{1,9}$/.test(text.trim())
        ? { value: Number(text.trim()) }
        : { problem: `"${text}" is not a whole number (decimal digits)` };
    case 'decimal':
      if (text.trim() === '') return {};
      return /^([0-9]{1,9}(\.[0-9]{1,12})?|\.[0-9]{1,12})$/.test(text.trim())
        ? { value: Number(text.trim()) }
        : { problem: `"${text}" is not a decimal number (digits and a point, e.g. 0.25)` };
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = target;
  for (const k of path.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[path.at(-1)!] = value;
}

/**
 * The entry a form describes, the problems of its texts (a whole number that is not one, a field given twice, a field
 * the form does not have), and which form field a problem of the entry belongs to: rows left empty are dropped, so
 * the entry's `masks.1` may be the form's `masks.3`. Pure.
 */
export function entryFromForm(form: FormFields): {
  entry: Record<string, unknown>;
  problems: PlotTypeProblem[];
  fieldOf: (entryField: string) => string;
} {
  const entry: Record<string, unknown> = {};
  const problems: PlotTypeProblem[] = [];
  const rows: Record<'labels' | 'masks', Map<number, Record<string, string>>> = { labels: new Map(), masks: new Map() };
  for (const [field, raw] of Object.entries(form)) {
    if (raw === undefined) continue;
    if (typeof raw !== 'string') {
      problems.push({ field, message: `given ${raw.length} times; give one value` });
      continue;
    }
    const row = /^(labels|masks)\.([0-9]{1,3})\.([A-Za-z]+)$/.exec(field);
    if (row && Number(row[2]) < MAX_ROWS && ROWS[row[1] as 'labels' | 'masks'][row[3]!]) {
      const list = rows[row[1] as 'labels' | 'masks'];
      const n = Number(row[2]);
      list.set(n, { ...list.get(n), [row[3]!]: raw });
      continue;
    }
    const kind = TOP[field];
    if (!kind) {
      problems.push({ field, message: `unknown field; the fields of this form are ${ALL_FIELDS.join(', ')}` });
      continue;
    }
    const c = convert(kind, raw);
    if (c.problem) problems.push({ field, message: c.problem });
    else if (c.value !== undefined) setPath(entry, field.split('.'), c.value);
  }
  // A checkbox left unticked is not posted at all: an absent flag is off.
  for (const [field, kind] of Object.entries(TOP))
    if (kind === 'flag' && form[field] === undefined) setPath(entry, field.split('.'), false);
  const renumbered: Record<string, number[]> = {};
  for (const list of ['labels', 'masks'] as const) {
    const kept = [...rows[list]]
      .filter(([, cells]) => PRESENT[list].some((c) => (cells[c] ?? '').trim() !== '' && cells[c] !== 'false'))
      .sort(([a], [b]) => a - b);
    renumbered[list] = kept.map(([n]) => n);
    entry[list] = kept.map(([n, cells]) => {
      const item: Record<string, unknown> = {};
      for (const [col, kind] of Object.entries(ROWS[list])) {
        const c = convert(kind, cells[col] ?? '');
        if (c.problem) problems.push({ field: `${list}.${n}.${col}`, message: c.problem });
        else if (c.value !== undefined) item[col] = c.value;
      }
      return item;
    });
  }
  const fieldOf = (f: string) => {
    const m = /^(labels|masks)\.([0-9]+)(\..*)?$/.exec(f);
    const original = m ? renumbered[m[1]!]?.[Number(m[2])] : undefined;
    return m && original !== undefined ? `${m[1]}.${original}${m[3] ?? ''}` : f;
  };
  return { entry, problems, fieldOf };
}

/** A posted plot-type form checked as `hydra plot-types apply` checks an entry, every problem under its form field. */
export function checkPlotTypeForm(
  form: FormFields,
): { readonly ok: true; readonly spec: PlotTypeSpec } | { readonly ok: false; readonly problems: PlotTypeProblem[] } {
  const { entry, problems, fieldOf } = entryFromForm(form);
  const checked = checkPlotTypeEntry(entry);
  if (checked.ok && problems.length === 0) return checked;
  const more = checked.ok ? [] : checked.problems.map((p) => ({ field: fieldOf(p.field), message: p.message }));
  // A text that did not convert also shows up as the schema's "missing": its own message says more.
  const said = new Set(problems.map((p) => p.field));
  return { ok: false, problems: [...problems, ...more.filter((p) => !said.has(p.field))] };
}

/** The form's fields for a configuration (what the page shows to edit). Pure. */
export function formFromSpec(spec: PlotTypeSpec): Record<string, string> {
  const f: Record<string, string> = {
    name: spec.name,
    title: spec.title ?? '',
    detector: spec.detector,
    pattern: spec.pattern,
    contact: spec.contact ?? '',
    collectPercent: String(spec.collectPercent),
    ignore: spec.ignore ? 'on' : '',
    hidden: spec.hidden ? 'on' : '',
    heatmap: spec.heatmap,
    sampling: spec.sampling,
    'input.width': String(spec.input.width),
    'input.height': String(spec.input.height),
    'input.channels': String(spec.input.channels),
    'alarmPolicy.labels': spec.alarmPolicy.labels.join(', '),
    'alarmPolicy.minConfidence': String(spec.alarmPolicy.minConfidence),
    'alarmPolicy.consecutive': String(spec.alarmPolicy.consecutive),
    'activationBar.minBalancedAccuracy': String(spec.activationBar.minBalancedAccuracy),
    'activationBar.minRecall': String(spec.activationBar.minRecall),
    'retrain.auto': spec.retrain.auto ? 'on' : '',
    'retrain.autoActivate': spec.retrain.autoActivate ? 'on' : '',
    'retrain.compareSamples': String(spec.retrain.compareSamples),
  };
  spec.labels.forEach((l, i) => {
    f[`labels.${i}.name`] = l.name;
    f[`labels.${i}.colour`] = l.colour;
    f[`labels.${i}.alarms`] = l.alarms ? 'on' : '';
  });
  spec.masks.forEach((m, i) => {
    f[`masks.${i}.x`] = String(m.x);
    f[`masks.${i}.y`] = String(m.y);
    f[`masks.${i}.width`] = String(m.width);
    f[`masks.${i}.height`] = String(m.height);
    f[`masks.${i}.reason`] = m.reason ?? '';
  });
  return f;
}

/** How many rows of a list a form holds (the highest index of a row with something in it, plus one). Pure. */
export function rowsOf(form: FormFields, list: 'labels' | 'masks'): number {
  let n = 0;
  for (const [k, v] of Object.entries(form)) {
    const m = new RegExp(`^${list}\\.([0-9]{1,3})\\.([A-Za-z]+)$`).exec(k);
    const filled = typeof v === 'string' ? v.trim() !== '' && v !== 'false' : v !== undefined;
    if (m && filled && PRESENT[list].includes(m[2]!)) n = Math.max(n, Number(m[1]) + 1);
  }
  return Math.min(n, MAX_ROWS);
}
