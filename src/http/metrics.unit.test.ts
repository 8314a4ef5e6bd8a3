import { describe, expect, it } from 'vitest';
import { cumulativeBuckets, MetricsEndpoint, scrapeRegistry } from './metrics.ts';

describe('metrics', () => {
  it('writes the Prometheus text format through prom-client, label values escaped', async () => {
    const text = await scrapeRegistry([
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
        samples: [{ labels: { role: 'x' }, value: 10 }],
      },
      {
        name: 'hydra_role_processing_ms',
        help: 'Per message.',
        type: 'histogram',
        samples: [
          { labels: { role: 'x', le: '10' }, value: 4, suffix: '_bucket' },
          { labels: { role: 'x', le: '+Inf' }, value: 5, suffix: '_bucket' },
          { labels: { role: 'x' }, value: 5, suffix: '_count' },
        ],
      },
    ]).metrics();
    expect(text).toBe(
      [
        '# HELP hydra_consumer_pending Messages waiting.',
        '# TYPE hydra_consumer_pending gauge',
        'hydra_consumer_pending{consumer="a\\"b\\\\c\\nd"} 3',
        '',
        '# HELP hydra_role_handled_total Handled.',
        '# TYPE hydra_role_handled_total counter',
        'hydra_role_handled_total{role="x"} 10',
        '',
        '# HELP hydra_role_processing_ms Per message.',
        '# TYPE hydra_role_processing_ms histogram',
        'hydra_role_processing_ms_bucket{role="x",le="10"} 4',
        'hydra_role_processing_ms_bucket{role="x",le="+Inf"} 5',
        'hydra_role_processing_ms_count{role="x"} 5',
        '',
      ].join('\n'),
    );
    expect(() => scrapeRegistry([{ name: 'bad name', help: '', type: 'gauge', samples: [{ value: 1 }] }])).toThrow();
    // Nothing to report: no line at all, not a made-up 0.
    expect(await scrapeRegistry([{ name: 'hydra_none', help: '', type: 'counter', samples: [] }]).metrics()).toBe('\n');
  });

  it("adds the web process's own Node.js metrics, and scrapes again without a clash", async () => {
    const endpoint = new MetricsEndpoint();
    const figures = [{ name: 'hydra_alarms_open', help: 'Open.', type: 'gauge' as const, samples: [{ value: 2 }] }];
    await endpoint.render(figures);
    const text = await endpoint.render(figures);
    expect(text).toContain('hydra_alarms_open 2');
    expect(text).toMatch(/^hydra_http_nodejs_eventloop_lag_seconds \d/m);
    expect(endpoint.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
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
