import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../../test/support/env.ts';
import { arrived, randomSha } from '../../../test/support/events.ts';
import { gate, Recorder, until } from '../../../test/support/wait.ts';
import { EventLog } from '../log.ts';
import { ack, DurableConsumer, nak, term, type ConsumerSpec, type Delivery, type Handler } from './index.ts';

// The one consumer runtime on a real NATS JetStream: every worker's guarantees rest on these.
let env: TestEnv;
let log: EventLog;
const running: DurableConsumer[] = [];
const streams: string[] = [];

beforeAll(async () => {
  env = await openTestEnv('consume');
});
// Each test has a stream of its own, so that a durable starting at "all" sees only that test's events.
let n = 0;
beforeEach(async () => {
  log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: `${env.config.HYDRA_NAMESPACE}-${++n}`,
    producer: 'test',
    nc: env.nc,
  });
  streams.push(log.names.stream);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});
afterAll(async () => {
  for (const s of streams) await log.jsm.streams.delete(s).catch(() => undefined);
  await env.cleanup();
});

function specFor(name: string, extra: Partial<ConsumerSpec> = {}): ConsumerSpec {
  return {
    durable: log.names.consumer(name),
    filter: log.names.filter('image.arrived'),
    ackWaitMs: 30_000,
    ...extra,
  };
}
async function startConsumer(spec: ConsumerSpec, handler: Handler): Promise<DurableConsumer> {
  const c = new DurableConsumer(log, spec, handler);
  running.push(c);
  await c.start();
  return c;
}
async function appendArrivals(plot: string, count: number) {
  return log.appendMany(Array.from({ length: count }, (_, i) => arrived(randomSha(), plot, i)));
}
const chunkOf = (d: Delivery) => {
  const item = d.read();
  if (!item.ok || item.event.type !== 'image.arrived') throw new Error(`seq ${d.seq} is not an arrival`);
  return item.event.data.chunk;
};
const info = (c: DurableConsumer) => log.jsm.consumers.info(log.names.stream, c.spec.durable);

describe('the consumer runtime', () => {
  it('acknowledges, hands back, terminates and retries by what the handler decides', async () => {
    const seen = new Recorder<{ chunk: number; count: number }>();
    const spec = specFor('outcomes', { retry: { baseMs: 50, maxMs: 100 } });
    const c = await startConsumer(spec, {
      kind: 'each',
      async handle(d) {
        const chunk = chunkOf(d);
        seen.push({ chunk, count: d.deliveryCount });
        if (chunk === 1 && d.deliveryCount === 1) return nak(100);
        if (chunk === 2) return term('not wanted');
        if (chunk === 3 && d.deliveryCount === 1) throw new Error('a transient failure');
        return ack;
      },
    });
    await appendArrivals('OUTCOMES', 4);
    const again = (chunk: number) => (xs: readonly { chunk: number; count: number }[]) =>
      xs.some((x) => x.chunk === chunk && x.count === 2);
    await seen.until((xs) => again(1)(xs) && again(3)(xs), 'the nak and the throw to come back');
    await until(async () => {
      const i = await info(c);
      return i.num_ack_pending === 0 && i.num_pending === 0;
    }, 'everything settled');
    expect(seen.items.filter((x) => x.chunk === 0)).toEqual([{ chunk: 0, count: 1 }]);
    expect(seen.items.filter((x) => x.chunk === 2)).toEqual([{ chunk: 2, count: 1 }]);
    expect(c.stats).toMatchObject({ acked: 3, naked: 2, termed: 1, handlerErrors: 1, state: 'consuming' });
  });

  it('fetches ahead up to its capacity while the handler works, and hands over what is queued as one batch', async () => {
    const first = gate();
    const batches = new Recorder<number[]>();
    const spec = specFor('batch', { capacity: 16 });
    await appendArrivals('BATCH', 40);
    const c = await startConsumer(spec, {
      kind: 'batch',
      maxBatch: 8,
      async handle(ds) {
        batches.push(ds.map((d) => d.seq));
        if (batches.items.length === 1) await first.wait;
        return ds.map(() => ack);
      },
    });
    await batches.until((b) => b.length === 1, 'the first batch');
    // While the first batch is in hand, the next ones are already fetched: capacity is in hand or queued.
    await until(async () => (await info(c)).num_ack_pending === 16 || undefined, '16 messages held');
    first.open();
    await batches.until((b) => b.flat().length === 40, 'all 40 handled');
    const seqs = batches.items.flat();
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // in stream order
    expect(new Set(seqs).size).toBe(40);
    expect(batches.items[1]).toHaveLength(8); // queued while the first was handled: handed over whole
    expect(Math.max(...batches.items.map((b) => b.length))).toBeLessThanOrEqual(8);
  });

  it('with two batches at once handles the rest while one is in hand, each message once', async () => {
    const first = gate();
    const batches = new Recorder<number[]>();
    const spec = specFor('lanes');
    await appendArrivals('LANES', 40);
    const c = await startConsumer(spec, {
      kind: 'batch',
      maxBatch: 8,
      concurrent: 2,
      async handle(ds) {
        batches.push(ds.map((d) => d.seq));
        if (batches.items.length === 1) await first.wait;
        return ds.map(() => ack);
      },
    });
    // The first batch is held: the other lane takes every other message meanwhile.
    try {
      await batches.until((b) => b.flat().length === 40, 'all 40 handed over while the first batch is in hand');
      await until(() => c.stats.acked === 40 - batches.items[0]!.length, 'all but the first batch acknowledged');
    } finally {
      first.open();
    }
    await until(async () => {
      const i = await info(c);
      return i.num_ack_pending === 0 && i.num_pending === 0;
    }, 'everything acknowledged');
    const seqs = batches.items.flat();
    expect(new Set(seqs).size).toBe(40);
    expect(Math.max(...batches.items.map((b) => b.length))).toBeLessThanOrEqual(8);
    expect(c.stats.acked).toBe(40);
  });

  it('with capacity 1 holds one message, so other workers on the durable take the rest', async () => {
    const hold = gate();
    const a = new Recorder<number>();
    const b = new Recorder<number>();
    const spec = specFor('one', { capacity: 1 });
    await startConsumer(spec, {
      kind: 'each',
      async handle(d) {
        a.push(d.seq);
        await hold.wait;
        return ack;
      },
    });
    await appendArrivals('ONE', 3);
    await a.until((xs) => xs.length === 1, 'worker A to take one');
    await startConsumer(spec, {
      kind: 'each',
      async handle(d) {
        b.push(d.seq);
        return ack;
      },
    });
    await b.until((xs) => xs.length === 2, 'worker B to take the other two');
    expect(a.items).toHaveLength(1);
    hold.open();
  });

  it('keeps a job that outlasts the ack wait alive with working(): it is delivered once', async () => {
    const seen = new Recorder<{ seq: number; count: number; worker: string }>();
    const spec = specFor('long', { ackWaitMs: 1_000, capacity: 1 });
    const worker = (name: string): Handler => ({
      kind: 'each',
      async handle(d) {
        seen.push({ seq: d.seq, count: d.deliveryCount, worker: name });
        // The job itself: three ack waits long.
        await new Promise((r) => setTimeout(r, 3_000));
        return ack;
      },
    });
    await startConsumer(spec, worker('a'));
    await startConsumer(spec, worker('b'));
    const [one] = await appendArrivals('LONG', 1);
    const c = running.at(-1)!;
    await until(async () => {
      const i = await info(c);
      return i.num_ack_pending === 0 && i.num_pending === 0 && i.delivered.stream_seq >= one!.seq;
    }, 'the long job to be acknowledged');
    expect(seen.items).toEqual([{ seq: one!.seq, count: 1, worker: expect.any(String) }]);
  });

  it('on stop finishes the message in hand and hands back the ones fetched ahead at once', async () => {
    const hold = gate();
    const a = new Recorder<number>();
    const b = new Recorder<number>();
    // A long ack wait: what B gets quickly was handed back, not timed out.
    const spec = specFor('drain', { ackWaitMs: 120_000, capacity: 4 });
    const consumerA = await startConsumer(spec, {
      kind: 'each',
      async handle(d) {
        a.push(d.seq);
        await hold.wait;
        return ack;
      },
    });
    const res = await appendArrivals('DRAIN', 4);
    await a.until((xs) => xs.length === 1, 'A to start on one');
    await until(async () => (await info(consumerA)).num_ack_pending === 4 || undefined, 'A to hold four');
    const stopping = consumerA.stop();
    hold.open();
    await stopping;
    running.splice(running.indexOf(consumerA), 1);
    await startConsumer(spec, {
      kind: 'each',
      async handle(d) {
        b.push(d.seq);
        return ack;
      },
    });
    await b.until((xs) => xs.length === 3, 'B to get the three A handed back', 30_000);
    expect([...a.items, ...b.items].sort((x, y) => x - y)).toEqual(res.map((r) => r.seq));
  });

  it('recreates its durable when someone deletes it, and goes on', async () => {
    const seen = new Recorder<number>();
    const spec = specFor('deleted');
    const c = await startConsumer(spec, {
      kind: 'each',
      async handle(d) {
        seen.push(d.seq);
        return ack;
      },
    });
    await appendArrivals('DELETED', 1);
    await seen.until((xs) => xs.length === 1, 'the first message');
    await log.jsm.consumers.delete(log.names.stream, spec.durable);
    const [later] = await appendArrivals('DELETED2', 1);
    await seen.until((xs) => xs.includes(later!.seq), 'a message after the deletion');
    expect(c.stats.restarts).toBeGreaterThanOrEqual(1);
  });

  it('recreates the durable at the sequence recreateAt names, and waits while it says not now', async () => {
    const res = await appendArrivals('AT', 3);
    let asked = 0;
    const seen = new Recorder<number>();
    const spec = specFor('at', {
      recreateAt: async () => (++asked < 3 ? null : res[2]!.seq),
    });
    const c = await startConsumer(spec, {
      kind: 'each',
      async handle(d) {
        seen.push(d.seq);
        return ack;
      },
    });
    expect(c.stats.state).toBe('standby');
    await seen.until((xs) => xs.length >= 1, 'the first delivery');
    expect(seen.items[0]).toBe(res[2]!.seq);
    expect(asked).toBe(3);
  });

  it('refuses to start, loudly, when the durable cannot be prepared', async () => {
    const released: unknown[] = [];
    const c = new DurableConsumer(
      log,
      specFor('broken', {
        recreateAt: async () => {
          throw new Error('read ECONNRESET');
        },
        released: async (err) => {
          released.push(err);
        },
      }),
      { kind: 'each', handle: async () => ack },
    );
    await expect(c.start()).rejects.toThrow('read ECONNRESET');
    expect(released).toHaveLength(1);
    expect(c.stats.state).toBe('stopped');
  });

  it('brings an existing durable up to the settings it is started with', async () => {
    const spec = specFor('settings', { ackWaitMs: 30_000, maxDeliver: 3 });
    const handler: Handler = { kind: 'each', handle: async () => ack };
    const first = await startConsumer(spec, handler);
    await first.stop();
    running.splice(running.indexOf(first), 1);
    await startConsumer({ ...spec, ackWaitMs: 10_000, maxDeliver: 6 }, handler);
    const i = await log.jsm.consumers.info(log.names.stream, spec.durable);
    expect(i.config).toMatchObject({ ack_wait: 10_000_000_000, max_deliver: 6 });
  });
});
