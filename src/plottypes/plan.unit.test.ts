import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parsePlotTypesYaml, planPlotTypes, PlotTypeFileError } from './plan.ts';
import { plotTypeSpec } from '../../test/support/events.ts';

describe('plot-types file', () => {
  it('parses and fills defaults', () => {
    const specs = parsePlotTypesYaml(stringify([plotTypeSpec('CDC_occupancy')]));
    expect(specs[0]).toMatchObject({ name: 'CDC_occupancy', collectPercent: 5, ignore: false, masks: [] });
  });
  it('lists every problem with where it is', () => {
    const bad = stringify([
      { ...plotTypeSpec('A'), labels: [{ name: 'Good', colour: 'green' }] },
      { ...plotTypeSpec('B'), pattern: '(' },
      plotTypeSpec('B'),
    ]);
    try {
      parsePlotTypesYaml(bad, 'pt.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PlotTypeFileError);
      const m = (err as Error).message;
      expect(m).toMatch(/entry 1 \(A\): labels.0.colour/);
      expect(m).toMatch(/entry 1 \(A\): labels: .*2/);
      expect(m).toMatch(/entry 2 \(B\): pattern/);
      expect(m).toMatch(/entry 3 \(B\): name: "B" appears twice/);
    }
    expect(() => parsePlotTypesYaml('a: [b', 'x.yaml')).toThrow(/not valid YAML/);
  });
  it('refuses unknown fields at every level, listing the allowed ones, with every other problem in one pass', () => {
    const spec = plotTypeSpec('A');
    const bad = stringify([
      {
        ...spec,
        pattern: '^(?<pad>\\d+)_(?<chunk>\\d+)$',
        collect_percent: 5,
        igonre: true,
        heatmaps: 'always',
        minconfidence: 0.3,
        input: { ...spec.input, depth: 3 },
        alarmPolicy: { label: ['Bad'] },
        retrain: { autoactivate: true },
        labels: [{ ...spec.labels[0], color: '#ffffff' }, spec.labels[1]],
        detector: '',
      },
    ]);
    let m = '';
    try {
      parsePlotTypesYaml(bad, 'pt.yaml');
    } catch (err) {
      m = (err as Error).message;
    }
    for (const f of ['collect_percent', 'igonre', 'heatmaps', 'minconfidence'])
      expect(m).toMatch(new RegExp(`entry 1 \\(A\\): ${f}: unknown field; the fields here are name, title, detector`));
    expect(m).toMatch(/input\.depth: unknown field; the fields here are width, height, channels/);
    expect(m).toMatch(/alarmPolicy\.label: unknown field; the fields here are labels, minConfidence, consecutive/);
    expect(m).toMatch(/retrain\.autoactivate: unknown field; the fields here are auto, autoActivate, compareSamples/);
    expect(m).toMatch(/labels\.0\.color: unknown field; the fields here are name, colour, alarms/);
    expect(m).toMatch(/pattern: .*missing plot/);
    expect(m).toMatch(/detector: /);
  });
  it('plans nothing when applied twice', () => {
    const specs = parsePlotTypesYaml(stringify([plotTypeSpec('A'), plotTypeSpec('B')]));
    const first = planPlotTypes(specs, new Map());
    expect(first.map((c) => c.kind)).toEqual(['define', 'define']);
    const current = new Map(specs.map((s) => [s.name, { spec: s, retired: false }]));
    expect(planPlotTypes(specs, current).map((c) => c.kind)).toEqual(['unchanged', 'unchanged']);
    const changed = [{ ...specs[0]!, collectPercent: 50 }, specs[1]!];
    expect(planPlotTypes(changed, current)).toMatchObject([
      { kind: 'update', fields: ['collectPercent'] },
      { kind: 'unchanged' },
    ]);
  });
});
