import type * as ort from 'onnxruntime-node';
import type { Subscription } from '@nats-io/transport-node';
import type { BlobStore } from '../blobs/store.ts';
import type { EventLog } from '../events/log.ts';
import { readItem } from '../events/log.ts';
import type { Db } from '../db/connection.ts';
import { activeModelOf } from '../projections/models/queries.ts';
import type { ModelRow } from '../projections/models/table.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { openModelSession } from './run-model.ts';

export interface LoadedModel {
  readonly modelId: string;
  readonly plotType: string;
  readonly labels: readonly string[];
  readonly thresholds: Readonly<Record<string, number>>;
  readonly input: { width: number; height: number; channels: number };
  readonly session: ort.InferenceSession;
  readonly hasCams: boolean;
}

const NO_MODEL_RECHECK_MS = 3000;

/**
 * The active model of each plot type, loaded once into ONNX Runtime and kept. A `model.activated`,
 * `model.retired` or `model.thresholds-changed` on the stream swaps it without a restart (once the models read model
 * shows it).
 */
export class ActiveModels {
  private readonly byPlotType = new Map<string, Promise<LoadedModel | null>>();
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly noModelSince = new Map<string, number>();
  private sub: Subscription | null = null;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly log: EventLog,
    private readonly say: (l: string) => void = () => undefined,
  ) {}

  start(): void {
    this.sub = this.log.nc.subscribe(this.log.names.filter('model'), {
      callback: (_err, msg) => {
        const item = readItem(msg.data, 0, msg.subject);
        if (!item.ok) return;
        const e = item.event;
        if (e.type === 'model.activated') void this.refresh(e.data.plotType, (row) => row?.modelId === e.data.modelId);
        if (e.type === 'model.retired') void this.refresh(e.data.plotType, (row) => row?.modelId !== e.data.modelId);
        if (e.type === 'model.thresholds-changed') {
          const shows = (row: ModelRow | null) =>
            row?.modelId !== e.data.modelId || JSON.stringify(row.thresholds) === JSON.stringify(e.data.thresholds);
          void this.refresh(e.data.plotType, shows);
        }
      },
    });
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
  }

  forPlotType(plotType: string): Promise<LoadedModel | null> {
    let p = this.byPlotType.get(plotType);
    // "No model" is only believed for a few seconds: the read model may not have caught up yet.
    const checked = this.noModelSince.get(plotType);
    if (checked !== undefined && Date.now() - checked > NO_MODEL_RECHECK_MS) {
      this.noModelSince.delete(plotType);
      p = undefined;
    }
    if (!p) {
      p = this.load(plotType).then(
        (m) => {
          if (!m) this.noModelSince.set(plotType, Date.now());
          return m;
        },
        (err: unknown) => {
          this.byPlotType.delete(plotType);
          throw err;
        },
      );
      this.byPlotType.set(plotType, p);
    }
    return p;
  }

  private activeRow(plotType: string): Promise<ModelRow | null> {
    return activeModelOf(this.db, plotType);
  }

  private async load(plotType: string): Promise<LoadedModel | null> {
    const row = await this.activeRow(plotType);
    if (!row) return null;
    const session = await this.session(row.onnx);
    return {
      modelId: row.modelId,
      plotType,
      labels: row.labels,
      thresholds: row.thresholds,
      input: row.input,
      session,
      hasCams: session.outputNames.includes('cams'),
    };
  }

  private session(onnx: string): Promise<ort.InferenceSession> {
    let s = this.sessions.get(onnx);
    if (!s) {
      s = this.blobs.get(onnx).then(openModelSession);
      this.sessions.set(onnx, s);
    }
    return s;
  }

  /**
   * Waits (briefly) for the read model to show the change (`shows` the plot type's active row, null for none), then
   * swaps the cached model: a new active model, none, or the same one with new thresholds.
   */
  private async refresh(plotType: string, shows: (row: ModelRow | null) => boolean): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const row = await this.activeRow(plotType).catch(() => undefined);
      if (row !== undefined && shows(row)) break;
      await sleep(100);
    }
    const next = this.load(plotType);
    await next.catch(() => undefined);
    this.noModelSince.delete(plotType);
    this.byPlotType.set(plotType, next);
    const m = await next.catch(() => null);
    this.say(`inference: ${plotType} now uses ${m ? m.modelId : 'no model'}`);
  }
}
