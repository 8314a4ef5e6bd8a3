import { Kvm, type KV } from '@nats-io/kv';
import type { FastifyInstance } from 'fastify';
import { BlobStore } from '../../src/blobs/store.ts';
import type { HydraEvent } from '../../src/events/catalog.ts';
import { EventLog, type AnyNewEvent } from '../../src/events/log.ts';
import { buildApp, type AppOptions, type HttpDeps } from '../../src/http/app.ts';
import type { UploadOptions } from '../../src/http/routes/upload.ts';
import { waitForStream } from '../../src/projections/checkpoints.ts';
import { allProjections, ProjectionRunner } from '../../src/projections/index.ts';
import { labelsProjection } from '../../src/projections/labels/projection.ts';
import { currentLabels } from '../../src/projections/labels/queries.ts';
import { meta } from './events.ts';
import { openTestEnv, type TestEnv } from './env.ts';
import { openDatabase } from '../../src/db/connection.ts';

/** A private Hydra for page tests: its own stream, buckets and database, every read model kept up to date. */
export interface HttpEnv {
  readonly env: TestEnv;
  readonly log: EventLog;
  readonly blobs: BlobStore;
  readonly status: KV;
  readonly deps: HttpDeps;
  readonly app: FastifyInstance;
  /** Appends events and waits until every read model has applied them. */
  append(events: readonly AnyNewEvent[]): Promise<number>;
  caughtUp(seq: number): Promise<void>;
  close(): Promise<void>;
}

export async function openHttpEnv(
  label: string,
  opts: {
    expectedRoles?: string[];
    clock?: () => number;
    config?: Partial<HttpDeps['config']>;
    tickMs?: number;
    /** The upload API, built on this env's stream and blob store. */
    upload?: (parts: { log: EventLog; blobs: BlobStore }) => Promise<UploadOptions>;
    logger?: AppOptions['logger'];
    /** The pages read the env's database through this port on 127.0.0.1 (a TCP proxy a test can take down). */
    webDatabasePort?: number;
  } = {},
): Promise<HttpEnv> {
  const env = await openTestEnv(label);
  const log = await EventLog.open({
    natsUrl: env.config.NATS_URL,
    namespace: env.config.HYDRA_NAMESPACE,
    producer: 'test',
    nc: env.nc,
  });
  const blobs = await BlobStore.open(env.nc, log.names.blobBucket);
  const status = await new Kvm(env.nc).create(log.names.statusBucket, { history: 1 });
  const webDatabase = opts.webDatabasePort
    ? await openDatabase(viaPort(env.config.DATABASE_URL, opts.webDatabasePort))
    : null;
  const deps: HttpDeps = {
    config: { ...env.config, ...opts.config },
    db: (webDatabase ?? env.database).db,
    log,
    blobs,
    status,
    expectedRoles: () => opts.expectedRoles ?? [],
    clock: opts.clock ?? Date.now,
  };
  // Each runner holds one connection for its lock and takes another per batch: a pool of its own.
  const runnerDb = await openDatabase(env.config.DATABASE_URL, { connectionLimit: 2 * allProjections.length + 4 });
  const runners = allProjections.map((p) => new ProjectionRunner(runnerDb, log, p, { batchSize: 500 }));
  await Promise.all(runners.map((r) => r.start()));
  const app = await buildApp({
    deps,
    live: { cacheMs: 0, tickMs: opts.tickMs ?? 60_000 },
    ...(opts.upload ? { upload: await opts.upload({ log, blobs }) } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  await app.ready();
  const caughtUp = async (seq: number) => {
    const late = await waitForStream(env.database.db, log, allProjections, { timeoutMs: 20_000 });
    if (late.length) throw new Error(`read models ${late.join(', ')} did not reach ${seq}`);
  };
  return {
    env,
    log,
    blobs,
    status,
    deps,
    app,
    caughtUp,
    async append(events) {
      const res = await log.appendMany(events);
      const last = Math.max(...res.map((r) => r.seq));
      await caughtUp(last);
      return last;
    },
    async close() {
      await app.close();
      await Promise.all(runners.map((r) => r.stop()));
      await runnerDb.close();
      await webDatabase?.close().catch(() => undefined);
      await env.cleanup();
    },
  };
}

const viaPort = (url: string, port: number): string => {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
};

/** Synthetic facts for the pages, as the ingest, inference and alarm workers would append them. */
export const fact = {
  plotType(name: string, detector: string, extra: Record<string, unknown> = {}): AnyNewEvent {
    return {
      type: 'plottype.defined',
      metadata: meta,
      data: {
        name,
        detector,
        pattern: '^(?<plot>[A-Za-z0-9_]+)-(?<pad>\\d{2})_(?<chunk>\\d{4})\\.png$',
        labels: [
          { name: 'Good', colour: '#2e9e44' },
          { name: 'Bad', colour: '#d62728', alarms: true },
          { name: 'NoData', colour: '#8c8c8c' },
        ],
        input: { width: 160, height: 120, channels: 3 },
        ...extra,
      },
    } as AnyNewEvent;
  },
  arrived(imageId: string, plotType: string, run: number, chunk: number, arrivedAt: string): AnyNewEvent {
    return {
      type: 'image.arrived',
      id: `arrived:${imageId}`,
      metadata: meta,
      data: {
        arrivalId: imageId,
        imageId,
        plotType,
        run,
        chunk,
        pad: 1,
        arrivedAt,
        width: 400,
        height: 300,
        bytes: 1000,
        source: `${plotType}-01_${String(chunk).padStart(4, '0')}.png`,
      },
    };
  },
  verdict(
    imageId: string,
    plotType: string,
    verdict: 'Good' | 'Bad' | 'NoData',
    bad: number,
    opts: { confirmed?: boolean; heatmap?: string } = {},
  ): AnyNewEvent {
    const scores =
      verdict === 'NoData'
        ? { Good: 0.05, Bad: 0.05, NoData: 0.9 }
        : { Good: Math.round((1 - bad) * 1000) / 1000, Bad: bad, NoData: 0 };
    return {
      type: 'inference.completed',
      id: `verdict:${imageId}`,
      metadata: meta,
      data: {
        arrivalId: imageId,
        imageId,
        plotType,
        modelId: `${plotType}-m1`,
        scores,
        verdict,
        confidence: Math.max(...Object.values(scores)),
        confirmed: opts.confirmed ?? true,
        heatmap: opts.heatmap,
        timings: { queueMs: 3, preprocessMs: 4, modelMs: 11, publishMs: 1 },
        worker: 'test:1',
      },
    };
  },
};

/**
 * The current labels of these images once the labels read model holds every label appended so far (an action
 * answers before the read models have its events).
 */
export async function labelsNow(h: Pick<HttpEnv, 'env' | 'log'>, imageIds: readonly string[]) {
  const late = await waitForStream(h.env.database.db, h.log, [labelsProjection], { timeoutMs: 20_000 });
  if (late.length) throw new Error(`read models behind: ${late.join(', ')}`);
  return currentLabels(h.env.database.db, imageIds);
}

/** The stream's last sequence now: what a test reads events after. */
export const lastSeq = async (log: EventLog): Promise<number> => Number((await log.streamInfo()).state.last_seq);

/** Every event appended after `seq`, in stream order. */
export async function eventsAfter(log: EventLog, seq: number): Promise<HydraEvent[]> {
  const out: HydraEvent[] = [];
  for await (const i of log.read({ fromSeq: seq + 1 })) if (i.ok) out.push(i.event);
  return out;
}
