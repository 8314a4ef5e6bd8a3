import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { EventLog } from '../events/log.ts';
import { readItem } from '../events/log.ts';
import type { PlotTypeSpec } from '../events/plottype.ts';
import { plotTypesProjection } from '../projections/plot-types/projection.ts';
import type { PlotTypeRow } from '../projections/plot-types/table.ts';

/**
 * A cache of the plot types held in memory by a worker, folded from `plottype.*` events with the very
 * `evolve` of the plot_types projection, live from an ordered consumer: no database round trip per image.
 */
export class PlotTypeCache {
  private readonly rows = new Map<string, PlotTypeRow>();
  private readonly listeners = new Set<(spec: PlotTypeSpec, kind: 'defined' | 'updated' | 'retired') => void>();
  private messages: ConsumerMessages | null = null;

  private constructor(private readonly log: EventLog) {}

  /** Resolves once every plot-type event already in the stream has been folded in. */
  static async open(log: EventLog): Promise<PlotTypeCache> {
    const reg = new PlotTypeCache(log);
    await reg.start();
    return reg;
  }

  private async start(): Promise<void> {
    const filter = this.log.names.filter('plottype');
    const consumer = await this.log.js.consumers.get(this.log.names.stream, {
      filter_subjects: filter,
      deliver_policy: DeliverPolicy.All,
    });
    let last = 0;
    try {
      const m = await this.log.jsm.streams.getMessage(this.log.names.stream, { last_by_subj: filter });
      last = m?.seq ?? 0;
    } catch {
      last = 0; // no plot types yet
    }
    this.messages = await consumer.consume({ max_messages: 500 });
    let resolveReady!: () => void;
    const ready = new Promise<void>((r) => (resolveReady = r));
    if (last === 0) resolveReady();
    void (async () => {
      for await (const m of this.messages!) {
        const item = readItem(m.data, m.seq, m.subject);
        if (item.ok) {
          const e = item.event;
          const next = plotTypesProjection.evolve(this.rows.get(e.key) ?? null, e, e.key);
          if (next) {
            this.rows.set(e.key, next);
            const kind =
              e.type === 'plottype.defined' ? 'defined' : e.type === 'plottype.updated' ? 'updated' : 'retired';
            for (const l of this.listeners) l(next.spec, kind);
          }
        }
        if (m.seq >= last) resolveReady();
      }
    })();
    await ready;
  }

  get(name: string): PlotTypeSpec | undefined {
    const r = this.rows.get(name);
    return r && !r.retired ? r.spec : undefined;
  }

  /** Plot types in use (not retired). */
  active(): PlotTypeSpec[] {
    return [...this.rows.values()].filter((r) => !r.retired).map((r) => r.spec);
  }

  snapshot(): Map<string, { spec: PlotTypeSpec; retired: boolean }> {
    return new Map([...this.rows].map(([k, r]) => [k, { spec: r.spec, retired: r.retired }]));
  }

  onChange(listener: (spec: PlotTypeSpec, kind: 'defined' | 'updated' | 'retired') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.messages?.close();
  }
}
