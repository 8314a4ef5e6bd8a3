import { describe, expect, it } from 'vitest';
import { plotTypeSpec } from '../../test/support/events.ts';
import { plotTypeSpecSchema } from '../events/plottype.ts';
import { checkPlotTypeForm, entryFromForm, formFromSpec } from './form.ts';

describe('the plot-type form', () => {
  it('gives back the configuration it was made from', () => {
    const spec = plotTypeSpecSchema.parse({
      ...plotTypeSpec('A'),
      masks: [{ x: 1, y: 2, width: 3, height: 4, reason: 'legend' }],
      hidden: true,
      retrain: { auto: false },
    });
    expect(checkPlotTypeForm(formFromSpec(spec))).toEqual({ ok: true, spec });
  });
  it('drops empty rows and names problems by the form field they came from', () => {
    const f = {
      ...formFromSpec(plotTypeSpecSchema.parse(plotTypeSpec('A'))),
      'masks.0.x': '',
      'masks.0.y': '',
      'masks.0.width': '',
      'masks.0.height': '',
      'masks.3.x': '5',
      'masks.3.y': '5',
      'masks.3.width': '0',
      'masks.3.height': 'ten',
    };
    const r = checkPlotTypeForm(f);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.field).sort()).toEqual(['masks.3.height', 'masks.3.width']);
  });
  it('refuses a field given twice and a field the form does not have; an unticked box is off', () => {
    const { problems, entry } = entryFromForm({ name: ['a', 'b'], colour: '#fff' });
    expect(problems.map((p) => p.field)).toEqual(['name', 'colour']);
    expect(problems[0]!.message).toBe('given 2 times; give one value');
    expect(entry).toMatchObject({ ignore: false, hidden: false, retrain: { auto: false, autoActivate: false } });
  });
});
