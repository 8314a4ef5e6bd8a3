import { describe, expect, it } from 'vitest';
import { ago, clock, dateTime, inkOn, toLocalInput, zonedToUtc } from './format.ts';

describe('format', () => {
  it('writes times in the configured zone and converts wall-clock input back to UTC', () => {
    const iso = '2026-07-01T18:30:05.000Z';
    expect(clock(iso, 'UTC')).toBe('18:30:05');
    expect(dateTime(iso, 'America/New_York')).toBe('2026-07-01 14:30');
    expect(zonedToUtc('2026-07-01T14:30', 'America/New_York')).toBe('2026-07-01T18:30:00.000Z');
    expect(zonedToUtc('2026-01-15', 'America/New_York')).toBe('2026-01-15T05:00:00.000Z');
    expect(toLocalInput(iso, 'America/New_York')).toBe('2026-07-01T14:30');
    expect(() => zonedToUtc('yesterday', 'UTC')).toThrow(RangeError);
  });

  it('says how long ago, and picks readable ink for label colours', () => {
    const now = Date.parse('2026-07-01T12:00:00.000Z');
    expect(ago('2026-07-01T11:59:58.000Z', now)).toBe('just now');
    expect(ago('2026-07-01T11:55:00.000Z', now)).toBe('5 min ago');
    expect(ago('2026-06-29T12:00:00.000Z', now)).toBe('2 d ago');
    expect(inkOn('#2e9e44')).toBe('#000000');
    expect(inkOn('#d62728')).toBe('#ffffff');
    expect(inkOn('#ffe066')).toBe('#000000');
  });
});
