import { describe, expect, it } from 'vitest';
import { chartSvg, downsample, timeTicks } from './chart.ts';

const T = Date.parse('2026-11-26T10:00:00.000Z');

describe('timeline chart', () => {
  it('picks round ticks on the wall clock of the zone', () => {
    const ticks = timeTicks(T + 7 * 60_000, T + 6 * 3600_000, 'UTC');
    expect(ticks.map((t) => t.label)).toEqual(['11-26 11:00', '12:00', '13:00', '14:00', '15:00', '16:00']);
    const ny = timeTicks(
      Date.parse('2026-11-20T00:00:00.000Z'),
      Date.parse('2026-11-27T00:00:00.000Z'),
      'America/New_York',
    );
    expect(ny[0]!.label).toBe('11-20');
    expect(new Date(ny[0]!.t).toISOString()).toBe('2026-11-20T05:00:00.000Z');
  });

  it('averages dense points into buckets and leaves sparse ones alone', () => {
    const dense = Array.from({ length: 1000 }, (_, i) => ({ t: T + i * 1000, v: i % 2 }));
    const out = downsample(dense, T, T + 1_000_000, 100);
    expect(out).toHaveLength(100);
    expect(out.every((p) => p.v === 0.5)).toBe(true);
    expect(downsample(dense.slice(0, 10), T, T + 10_000, 100)).toHaveLength(10);
  });

  it('draws series, run boundaries and escaped titles', () => {
    const svg = chartSvg({
      from: T,
      to: T + 3600_000,
      tz: 'UTC',
      title: '<b>x</b>',
      series: [
        {
          label: 'Bad',
          colour: '#d62728',
          points: [
            { t: T, v: 0 },
            { t: T + 3600_000, v: 1 },
          ],
        },
      ],
      markers: [{ t: T + 1800_000, text: 'run 42' }],
      dots: [{ t: T + 3600_000, v: 1, colour: '#d62728', hollow: false, href: '/images/a', title: '<script>' }],
    }).value;
    expect(svg).toContain('points="46.0,310.0 986.0,26.0"');
    expect(svg).toContain('run 42');
    expect(svg).toContain('aria-label="&lt;b&gt;x&lt;/b&gt;"');
    expect(svg).not.toContain('<script>');
  });
});
