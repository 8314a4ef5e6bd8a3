import { describe, expect, it } from 'vitest';
import { cumulativeBuckets, exposition } from './metrics.ts';

describe('metrics', () => {
  it('writes the Prometheus text format with escaped label values', () => {
    const text = exposition([
      {
        name: 'hydra_consumer_pending',
        help: 'Messages waiting.',
        type: 'gauge',
        samples: [{ labels: { consumer: 'a"b\\c\nd' }, value: 3 }],
      },
      {
        name: 'hydra_role_handled_total',
        help: 'Handled.',
        type: 'counter',
        samples: [{ value: 10 }, { labels: { role: 'x' }, value: Infinity }],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP hydra_consumer_pending Messages waiting.',
        '# TYPE hydra_consumer_pending gauge',
        'hydra_consumer_pending{consumer="a\\"b\\\\c\\nd"} 3',
        '# HELP hydra_role_handled_total Handled.',
        '# TYPE hydra_role_handled_total counter',
        'hydra_role_handled_total 10',
        'hydra_role_handled_total{role="x"} +Inf',
        '',
      ].join('\n'),
    );
    expect(() => exposition([{ name: 'bad name', help: '', type: 'gauge', samples: [] }])).toThrow();
  });

  it('turns per-bucket counts into cumulative buckets ending at +Inf', () => {
    expect(cumulativeBuckets({ '100': 2, '10': 5, '1000': 1 })).toEqual([
      { le: '10', count: 5 },
      { le: '100', count: 7 },
      { le: '1000', count: 8 },
      { le: '+Inf', count: 8 },
    ]);
  });
});
