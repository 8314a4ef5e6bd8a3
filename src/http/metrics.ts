/** Prometheus text exposition (format 0.0.4), written by hand: a few gauges and counters need no library. */
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

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function value(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function exposition(metrics: readonly Metric[]): string {
  const out: string[] = [];
  for (const m of metrics) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(m.name)) throw new Error(`bad metric name ${m.name}`);
    out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) {
      const labels = Object.entries(s.labels ?? {})
        .map(([k, v]) => `${k}="${escapeLabel(String(v))}"`)
        .join(',');
      out.push(`${m.name}${s.suffix ?? ''}${labels ? `{${labels}}` : ''} ${value(s.value)}`);
    }
  }
  return `${out.join('\n')}\n`;
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
