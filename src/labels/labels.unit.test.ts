import { describe, expect, it } from 'vitest';
import { plotTypeSpecSchema, type PlotTypeSpec } from '../events/plottype.ts';
import { validateData } from '../events/catalog.ts';
import { labelsProjection } from '../projections/labels/projection.ts';
import { eventStream, project } from '../../test/support/projection-spec.ts';
import { CsvError, parseCsv, parseLabelCsv } from './csv.ts';
import { checkLabel, importLabelId, labelAssigned, LabelError, labelProblem, labelRetracted } from './decide.ts';
import { describeProblems, validateRows } from './import.ts';

const spec = (name: string, labels: string[]): PlotTypeSpec =>
  plotTypeSpecSchema.parse({
    name,
    detector: 'CDC',
    pattern: '^(?<plot>.+)-(?<pad>\\d+)_(?<chunk>\\d+)\\.png$',
    labels: labels.map((l) => ({ name: l, colour: '#123456' })),
    input: { width: 64, height: 48, channels: 3 },
  });
const plotTypes = new Map([
  ['CDC_occupancy', spec('CDC_occupancy', ['Good', 'Bad', 'NoData'])],
  ['RF_timing', spec('RF_timing', ['Good', 'Bad'])],
]);
const sha = (c: string) => c.repeat(64);
const meta = { correlationId: 'c', producer: 'test' };

describe('label decisions', () => {
  it("accepts only the plot type's labels, naming the allowed ones", () => {
    expect(labelProblem(plotTypes, 'CDC_occupancy', 'NoData')).toBeNull();
    expect(labelProblem(plotTypes, 'RF_timing', 'NoData')).toMatchObject({
      code: 'HYDRA_LABEL_NOT_ALLOWED',
      message: expect.stringContaining('Good, Bad'),
    });
    expect(labelProblem(plotTypes, 'TOF_timing', 'Good')).toMatchObject({ code: 'HYDRA_LABEL_UNKNOWN_PLOT_TYPE' });
    expect(() => checkLabel(plotTypes, 'RF_timing', 'good')).toThrow(LabelError);
  });

  it('gives an import the same dedup id for the same image, label and user only', () => {
    const a = importLabelId(sha('a'), 'Good', 'alice');
    expect(importLabelId(sha('a'), 'Good', 'alice')).toBe(a);
    expect(
      new Set([
        a,
        importLabelId(sha('a'), 'Bad', 'alice'),
        importLabelId(sha('a'), 'Good', 'bob'),
        importLabelId(sha('b'), 'Good', 'alice'),
      ]).size,
    ).toBe(4);
    expect(a.length).toBeLessThanOrEqual(200);
  });

  it('builds valid events that the labels read model folds (a retraction of the current label removes it)', () => {
    const cmd = { imageId: sha('a'), plotType: 'CDC_occupancy', label: 'Bad', user: 'alice', comment: 'dead sector' };
    const assigned = labelAssigned(cmd, meta, 'x');
    expect(assigned).toMatchObject({ id: 'x', metadata: { user: 'alice' } });
    expect(validateData('label.assigned', assigned.data)).toEqual(cmd);
    const stored = eventStream();
    const rows = project(labelsProjection, [
      stored('label.assigned', assigned.data),
      stored('label.assigned', { ...cmd, imageId: sha('b'), label: 'Good' }),
      stored('label.retracted', labelRetracted({ ...cmd, imageId: sha('b'), label: 'Good' }, meta).data),
      stored('label.retracted', labelRetracted({ ...cmd, label: 'Good' }, meta).data),
    ]);
    expect([...rows.keys()]).toEqual([sha('a')]);
    expect(rows.get(sha('a'))).toMatchObject({ label: 'Bad', user: 'alice', comment: 'dead sector' });
  });
});

describe('label CSV', () => {
  it('parses quoted fields with commas, quotes and newlines, CRLF and a BOM', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, y","say ""hi""\nthere"\r\n\n3,\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'say "hi"\nthere'] },
      { line: 5, cells: ['3', ''] },
    ]);
    expect(() => parseCsv('a\n"open')).toThrow(CsvError);
  });

  it("reads the generator's manifest columns and ignores the others", () => {
    const csv = [
      'file,plot_type,label,severity,failure_modes,run,run_period,chunk,sha256',
      'CDC_occupancy/Bad/0000.png,CDC_occupancy,Bad,0.9,dead_sector,71400,RunPeriod-2022-05,12,abc',
      'RF_timing/Good/0000.png,RF_timing,Good,,,,,,',
    ].join('\n');
    const { rows, problems, ignoredColumns } = parseLabelCsv(csv);
    expect(problems).toEqual([]);
    expect(ignoredColumns).toEqual(['severity', 'failure_modes', 'sha256']);
    expect(rows).toEqual([
      {
        line: 2,
        file: 'CDC_occupancy/Bad/0000.png',
        plotType: 'CDC_occupancy',
        label: 'Bad',
        run: 71400,
        runPeriod: 'RunPeriod-2022-05',
        chunk: 12,
      },
      { line: 3, file: 'RF_timing/Good/0000.png', plotType: 'RF_timing', label: 'Good' },
    ]);
  });

  it('reports a missing column, and every bad line with its number', () => {
    expect(() => parseLabelCsv('file,label\na.png,Good\n')).toThrow(/lacks column\(s\) plot_type/);
    const { rows, problems } = parseLabelCsv(
      'file,plot_type,label,run\na.png,CDC,Good,12\n,CDC,Good,\nb.png,C D C,Good,\nc.png,CDC,Good,x\n',
    );
    expect(rows.map((r) => r.line)).toEqual([2]);
    expect(problems.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(problems[2]!.message).toContain('run');
  });
});

describe('validateRows', () => {
  const rows = parseLabelCsv(
    [
      'file,plot_type,label',
      'a.png,CDC_occupancy,Good',
      'b.png,RF_timing,NoData',
      'c.png,CDC_occupancy,Bad',
      'd.png,CDC_occupancy,Good',
      'e.png,CDC_occupancy,Bad',
      'a2.png,CDC_occupancy,Good',
    ].join('\n'),
  ).rows;

  it('lists each bad row with the allowed labels, unreadable images, and one image labelled two ways', () => {
    const files = new Map([
      [2, { imageId: sha('a') }],
      [3, { imageId: sha('b') }],
      [4, { problem: 'truncated: PNG ends early' }],
      [5, { imageId: sha('d') }],
      [6, { imageId: sha('d') }],
      [7, { imageId: sha('a') }],
    ]);
    const problems = validateRows(rows, plotTypes, files);
    expect(problems.map((p) => p.line)).toEqual([3, 4, 6]);
    expect(problems[0]!.message).toBe(`label "NoData" is not one of RF_timing's labels: Good, Bad`);
    expect(problems[1]!.message).toContain('c.png: truncated');
    expect(problems[2]!.message).toContain(
      'e.png is the same image as d.png on line 5, labelled CDC_occupancy/Bad here but CDC_occupancy/Good there',
    );
    const text = describeProblems('labels.csv', problems, 2);
    expect(text).toContain('3 bad row(s), nothing imported');
    expect(text).toContain('line 3: label "NoData"');
    expect(text).toContain('... and 1 more');
  });

  it('finds nothing wrong in a good file', () => {
    const ok = rows.filter((r) => r.line !== 3);
    const files = new Map(ok.map((r, i) => [r.line, { imageId: sha(String(i)) }]));
    expect(validateRows(ok, plotTypes, files)).toEqual([]);
  });
});
