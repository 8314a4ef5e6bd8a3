import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** One value of a metric: what `hydraMetrics` computes from the status data at each scrape. */
export interface Sample {
  readonly labels?: Readonly<Record<string, string | number>>;
  readonly value: number;
  /** `_bucket`, `_sum`, `_count` for histograms. */
  readonly suffix?: string;
}

export interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter' | 'histogram';
  readonly samples: readonly Sample[];
}

const labelNamesOf = (m: Metric) => [...new Set(m.samples.flatMap((s) => Object.keys(s.labels ?? {})))];
const asLabels = (s: Sample) => Object.fromEntries(Object.entries(s.labels ?? {}).map(([k, v]) => [k, String(v)]));

/**
 * A histogram whose buckets were counted elsewhere (a worker's heartbeat), so prom-client's Histogram, which
 * observes values itself, cannot hold it: a custom collector handing the registry the cumulative buckets.
 */
function reportedHistogram(m: Metric) {
  const values = m.samples.map((s) => ({
    labels: asLabels(s),
    value: s.value,
    metricName: `${m.name}${s.suffix ?? ''}`,
  }));
  return {
    name: m.name,
    help: m.help,
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    get: async () => ({ name: m.name, help: m.help, type: 'histogram', aggregator: 'sum', values }),
    reset: () => undefined,
  };
}

/** Hydra's figures of one scrape as prom-client metrics in a registry of their own. */
export function scrapeRegistry(metrics: readonly Metric[]): Registry {
  const registry = new Registry();
  // A metric with nothing to report this time is left out: prom-client would print an unlabelled 0 for it.
  for (const m of metrics.filter((x) => x.samples.length > 0)) {
    if (m.type === 'histogram') {
      registry.registerMetric(reportedHistogram(m) as never);
      continue;
    }
    const config = { name: m.name, help: m.help, labelNames: labelNamesOf(m), registers: [registry] };
    if (m.type === 'gauge') {
      const g = new Gauge(config);
      for (const s of m.samples) g.set(asLabels(s), s.value);
    } else {
      // Totals read from heartbeats: the counter starts at zero in this registry and is raised to them.
      const c = new Counter(config);
      for (const s of m.samples) c.inc(asLabels(s), s.value);
    }
  }
  return registry;
}

/**
 * /metrics: the figures of this scrape, plus the web process's own Node.js metrics (`hydra_http_` heap, event
 * loop lag, CPU, from prom-client's default collectors), kept in one registry for the process's life.
 */
export class MetricsEndpoint {
  private readonly process = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.process, prefix: 'hydra_http_' });
  }

  get contentType(): string {
    return this.process.contentType;
  }

  render(metrics: readonly Metric[]): Promise<string> {
    return Registry.merge([scrapeRegistry(metrics), this.process]).metrics();
  }
}

/**
 * A heartbeat's histogram ({upper bound in ms: count in that bucket}) as Prometheus buckets, which are
 * cumulative and end with +Inf.
 */
export function cumulativeBuckets(histogram: Readonly<Record<string, number>>): { le: string; count: number }[] {
  const bounds = Object.entries(histogram)
    .map(([le, n]) => ({ le: le === '+Inf' || le === 'Infinity' ? Infinity : Number(le), n }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  let total = 0;
  const out = bounds.map((b) => {
    total += b.n;
    return { le: b.le === Infinity ? '+Inf' : String(b.le), count: total };
  });
  if (out.at(-1)?.le !== '+Inf') out.push({ le: '+Inf', count: total });
  return out;
}
