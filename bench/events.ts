import { DeliverPolicy } from '@nats-io/jetstream';
import type { BenchResult } from './run.ts';
import { openBenchEnv, rate } from './support.ts';
import { validateData } from '../src/events/catalog.ts';
import { mixedHistory } from '../test/support/events.ts';
import { allProjections, ProjectionRunner } from '../src/projections/index.ts';

const N = 20_000;
const CHUNK = 1000;
const ROUNDS = 3;

/**
 * Append rate of EventLog (validation, envelope, dedup id) against bare js.publish of the same
 * payloads with the same pipelining; projection apply rate against a bare ordered-consumer read.
 */
export default async function bench(): Promise<BenchResult> {
  const env = await openBenchEnv('events');
  try {
    const history = mixedHistory(N, 3);
    // Alternate bare and Hydra rounds on fresh streams, keeping each side's best, so neither gains from
    // running second on a warmer connection or a quieter machine.
    let bareMs = Infinity;
    let appendMs = Infinity;
    let log = await env.openLog();
    for (let round = 0; round < ROUNDS; round++) {
      const bareLog = await env.openLog(`${env.config.HYDRA_NAMESPACE}-bare${round}`);
      // The very bytes EventLog would write (validated envelope), published with no checks and no dedup id.
      const payloads = history.map((e, i) => ({
        subject: `${bareLog.names.namespace}.${e.type}.k${i % 500}`,
        body: JSON.stringify({
          id: `x${i}`,
          type: e.type,
          version: 1,
          time: new Date().toISOString(),
          key: `k${i % 500}`,
          data: validateData(e.type, e.data),
          metadata: e.metadata,
        }),
      }));
      let t0 = performance.now();
      for (let i = 0; i < payloads.length; i += CHUNK) {
        await Promise.all(payloads.slice(i, i + CHUNK).map((p) => bareLog.js.publish(p.subject, p.body)));
      }
      bareMs = Math.min(bareMs, performance.now() - t0);

      log = await env.openLog(round === 0 ? env.config.HYDRA_NAMESPACE : `${env.config.HYDRA_NAMESPACE}-r${round}`);
      t0 = performance.now();
      for (let i = 0; i < history.length; i += CHUNK) await log.appendMany(history.slice(i, i + CHUNK));
      appendMs = Math.min(appendMs, performance.now() - t0);
    }
    log = await env.openLog();

    // Bare read: an ordered consumer over the whole stream, counting messages.
    let t0 = performance.now();
    const consumer = await log.js.consumers.get(log.names.stream, { deliver_policy: DeliverPolicy.All });
    const msgs = await consumer.consume({ max_messages: 2000 });
    let read = 0;
    for await (const m of msgs) {
      read++;
      if (m.info.pending === 0) break;
    }
    await msgs.close();
    const readMs = performance.now() - t0;

    // Projection: daily_counts sees every image and label event (the most work per event).
    const projection = allProjections.find((p) => p.name === 'daily_counts')!;
    const runner = new ProjectionRunner(env.database, log, projection, { batchSize: 5000 });
    const last = (await log.streamInfo()).state.last_seq;
    t0 = performance.now();
    await runner.start();
    while (runner.stats.lastSeq < last) await new Promise((r) => setTimeout(r, 5));
    const projectMs = performance.now() - t0;
    const projected = runner.stats.handled;
    await runner.stop();

    const figures = {
      events: N,
      append_events_per_s: rate(N, appendMs),
      bare_publish_per_s: rate(N, bareMs),
      read_events_per_s: rate(read, readMs),
      project_events_per_s: rate(N, projectMs),
      projected_events_applied: projected,
      projection: projection.name,
    };
    return {
      figures,
      ratios: {
        append_vs_publish: +(figures.append_events_per_s / figures.bare_publish_per_s).toFixed(3),
        project_vs_read: +(figures.project_events_per_s / figures.read_events_per_s).toFixed(3),
      },
    };
  } finally {
    await env.cleanup();
  }
}
