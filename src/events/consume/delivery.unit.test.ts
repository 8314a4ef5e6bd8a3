import { describe, expect, it } from 'vitest';
import { ack, deliveryOf, nak, retryDelayMs, term, typeOfSubject } from './delivery.ts';
import { emptyStats, recordBatch } from './stats.ts';

describe('deliveries', () => {
  it('know their event type from the subject alone', () => {
    expect(typeOfSubject('hydra.image.arrived.abc')).toBe('image.arrived');
    expect(typeOfSubject('t1-x.training.requested.~dGVzdA')).toBe('training.requested');
  });

  it('decode the payload once, and only when asked', () => {
    let reads = 0;
    const data = new TextEncoder().encode('not json');
    const d = deliveryOf({
      seq: 7,
      subject: 'ns.image.arrived.x',
      get data() {
        reads++;
        return data;
      },
    });
    expect(d.type).toBe('image.arrived');
    expect(reads).toBe(0);
    const first = d.read();
    expect(first.ok).toBe(false);
    expect(d.read()).toBe(first);
    expect(reads).toBe(1);
    expect(d.deliveryCount).toBe(1);
  });

  it('come back after a delay that doubles per delivery, up to a limit', () => {
    const b = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 5, 99].map((n) => retryDelayMs(n, b))).toEqual([100, 100, 200, 400, 800, 1000, 1000]);
  });
});

describe('consumer stats', () => {
  it('count outcomes and put the time per message in a bucket', () => {
    const s = emptyStats('d');
    recordBatch(s, [ack, ack, nak(10), term('x')], 40);
    expect(s).toMatchObject({ acked: 2, naked: 1, termed: 1, batches: 1, lastMs: 40, histogram: { '10': 4 } });
    recordBatch(s, [ack], 3000);
    expect(s.histogram).toEqual({ '10': 4, '5000': 1 });
  });
});
