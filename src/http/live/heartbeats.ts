import type { KV } from '@nats-io/kv';
import { heartbeatSchema, type Heartbeat } from '../../processes/heartbeat.ts';

/**
 * Every process's heartbeat, kept current by a watch on the status bucket, so pages and /metrics
 * read memory instead of asking NATS once per request.
 */
export class HeartbeatWatch {
  private readonly beats = new Map<string, Heartbeat>();
  private stopped = false;
  private iterator: { stop(): void } | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly kv: KV,
    private readonly logger?: (line: string) => void,
  ) {}

  start(onChange?: () => void): void {
    this.loop ??= this.run(onChange);
  }

  all(): Heartbeat[] {
    return [...this.beats.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  private async run(onChange?: () => void): Promise<void> {
    while (!this.stopped) {
      try {
        const it = await this.kv.watch({ key: 'proc.>' });
        this.iterator = it;
        for await (const e of it) {
          if (e.operation !== 'PUT') this.beats.delete(e.key);
          else {
            const parsed = heartbeatSchema.safeParse(safeJson(e.string()));
            if (parsed.success) this.beats.set(e.key, parsed.data);
          }
          onChange?.();
        }
      } catch (err) {
        if (!this.stopped) this.logger?.(`heartbeat watch: ${(err as Error).message}; retrying`);
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.iterator?.stop();
    await this.loop;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
