import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  activationBarSchema,
  retrainPolicySchema,
  alarmPolicySchema,
  labelSpecSchema,
  maskRegionSchema,
  plotTypeSpecSchema,
  type PlotTypeSpec,
} from '../events/plottype.ts';
import { patternProblem } from '../ingest/naming.ts';

export class PlotTypeFileError extends Error {
  override readonly name = 'PlotTypeFileError';
  readonly code = 'HYDRA_PLOT_TYPE_FILE_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const fileSchema = z.union([
  z.array(z.unknown()),
  z.object({ plotTypes: z.array(z.unknown()) }).transform((o) => o.plotTypes),
]);

const keysOf = (shape: object): readonly string[] => Object.keys(shape);
/** The fields a plot-type entry may have, at each level; anything else is a typo or an old name, refused. */
const ALLOWED = {
  entry: keysOf(plotTypeSpecSchema.shape),
  labels: keysOf(labelSpecSchema.shape),
  input: keysOf(plotTypeSpecSchema.shape.input.shape),
  masks: keysOf(maskRegionSchema.shape),
  alarmPolicy: keysOf(alarmPolicySchema.shape),
  activationBar: keysOf(activationBarSchema.shape),
  retrain: keysOf(retrainPolicySchema.shape),
} as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One problem of a plot-type entry: the field it is in (dotted, `labels.0.colour`; '' for the whole entry). */
export interface PlotTypeProblem {
  readonly field: string;
  readonly message: string;
}

/** Every field of an entry that no schema level knows, with the allowed ones. Pure. */
function unknownFieldProblems(entry: unknown): PlotTypeProblem[] {
  if (!isRecord(entry)) return [];
  const out: PlotTypeProblem[] = [];
  const check = (obj: unknown, allowed: readonly string[], where: string) => {
    if (!isRecord(obj)) return;
    for (const k of Object.keys(obj))
      if (!allowed.includes(k))
        out.push({ field: `${where}${k}`, message: `unknown field; the fields here are ${allowed.join(', ')}` });
  };
  check(entry, ALLOWED.entry, '');
  check(entry.input, ALLOWED.input, 'input.');
  check(entry.alarmPolicy, ALLOWED.alarmPolicy, 'alarmPolicy.');
  check(entry.activationBar, ALLOWED.activationBar, 'activationBar.');
  check(entry.retrain, ALLOWED.retrain, 'retrain.');
  for (const list of ['labels', 'masks'] as const) {
    const items = entry[list];
    if (Array.isArray(items)) items.forEach((item, j) => check(item, ALLOWED[list], `${list}.${j}.`));
  }
  return out;
}

/** Every field of an entry that no schema level knows, with the allowed ones, as `field: message`. Pure. */
export function unknownFields(entry: unknown): string[] {
  return unknownFieldProblems(entry).map(describeProblem);
}

export const describeProblem = (p: PlotTypeProblem): string => `${p.field || '(entry)'}: ${p.message}`;

/**
 * Checks one plot-type entry as a file or a page gives it: unknown fields, the schema, the pattern, the labels and
 * the alarm policy's labels; every problem in one pass, each with its field. The one validation of a plot type
 * (`hydra plot-types apply` and the plot-types page both go through it). Pure.
 */
export function checkPlotTypeEntry(
  entry: unknown,
): { readonly ok: true; readonly spec: PlotTypeSpec } | { readonly ok: false; readonly problems: PlotTypeProblem[] } {
  const problems = unknownFieldProblems(entry);
  const pattern = isRecord(entry) ? entry.pattern : undefined;
  const pp = typeof pattern === 'string' && pattern.length > 0 ? patternProblem(pattern) : null;
  if (pp) problems.push({ field: 'pattern', message: pp });
  const parsed = plotTypeSpecSchema.safeParse(entry);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ field: issue.path.join('.'), message: issue.message });
    return { ok: false, problems };
  }
  const spec = parsed.data;
  const labels = spec.labels.map((l) => l.name);
  if (new Set(labels).size !== labels.length) problems.push({ field: 'labels', message: 'a label is listed twice' });
  for (const l of spec.alarmPolicy.labels)
    if (!labels.includes(l))
      problems.push({ field: 'alarmPolicy.labels', message: `"${l}" is not one of the labels (${labels.join(', ')})` });
  return problems.length ? { ok: false, problems } : { ok: true, spec };
}

/** Parses and validates a plot-types YAML file: every problem of every entry, with where it is. */
export function parsePlotTypesYaml(text: string, file = 'the file'): PlotTypeSpec[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new PlotTypeFileError(`${file}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const list = fileSchema.safeParse(doc);
  if (!list.success) throw new PlotTypeFileError(`${file}: expected a list of plot types (or {plotTypes: [...]})`);
  const problems: string[] = [];
  const specs: PlotTypeSpec[] = [];
  const seen = new Set<string>();
  list.data.forEach((entry, i) => {
    const name = (entry as { name?: unknown })?.name;
    const where = `entry ${i + 1}${typeof name === 'string' ? ` (${name})` : ''}`;
    const checked = checkPlotTypeEntry(entry);
    if (!checked.ok) for (const p of checked.problems) problems.push(`${where}: ${describeProblem(p)}`);
    // A name given twice is a problem of the file, whatever else is wrong with either entry.
    if (typeof name === 'string' && seen.has(name))
      problems.push(`${where}: name: "${name}" appears twice in the file`);
    if (typeof name === 'string') seen.add(name);
    if (checked.ok) specs.push(checked.spec);
  });
  if (problems.length)
    throw new PlotTypeFileError(`${file}: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return specs;
}

export type PlotTypeChange =
  | { readonly kind: 'define'; readonly spec: PlotTypeSpec }
  | { readonly kind: 'update'; readonly spec: PlotTypeSpec; readonly fields: string[] }
  | { readonly kind: 'unchanged'; readonly name: string };

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === 'object' && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );

/** What applying `wanted` to the current registry changes: applying the same file twice changes nothing. */
export function planPlotTypes(
  wanted: readonly PlotTypeSpec[],
  current: ReadonlyMap<string, { spec: PlotTypeSpec; retired: boolean }>,
): PlotTypeChange[] {
  return wanted.map((spec) => {
    const cur = current.get(spec.name);
    if (!cur) return { kind: 'define', spec };
    const fields = Object.keys({ ...spec, ...cur.spec }).filter(
      (k) => canonical((spec as Record<string, unknown>)[k]) !== canonical((cur.spec as Record<string, unknown>)[k]),
    );
    return fields.length === 0 && !cur.retired
      ? { kind: 'unchanged', name: spec.name }
      : { kind: 'update', spec, fields: cur.retired ? [...fields, 'retired'] : fields };
  });
}
