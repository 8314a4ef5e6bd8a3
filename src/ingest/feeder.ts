import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { runInfoFor, SIDECAR } from './conditions.ts';
import { moveFile, readRegularFile } from './files.ts';
import { Ingestor, type IngestOutcome } from './ingest.ts';

export interface FeederOptions {
  readonly inbox: string;
  readonly graceMs: number;
  readonly settleMs: number;
  readonly concurrency: number;
  readonly after: 'delete' | 'archive';
  readonly archiveDir: string;
  readonly say?: (line: string) => void;
  readonly onOutcome?: (o: IngestOutcome, file: string) => void;
}

/** What a file looked like when we last saw it. */
export interface Sighting {
  readonly size: number;
  readonly mtimeMs: number;
  readonly since: number;
}

/** Temp names that writers rename into place later, and sidecars: never images. */
export function isCandidate(name: string): boolean {
  return (
    !name.startsWith('.') &&
    !/\.(tmp|part|partial|swp|crdownload|reason\.txt)$/i.test(name) &&
    name !== SIDECAR &&
    !name.endsWith('.json')
  );
}

/** A file may be read once it has not changed for settleMs. Pure. */
export function settled(
  prev: Sighting | undefined,
  size: number,
  mtimeMs: number,
  now: number,
  settleMs: number,
): Sighting & { ready: boolean } {
  const same = prev && prev.size === size && prev.mtimeMs === mtimeMs;
  const since = same ? prev.since : now;
  return { size, mtimeMs, since, ready: now - since >= settleMs };
}

export interface FeederStats {
  handled: number;
  failed: number;
  lastMs: number;
  arrived: number;
  rejected: number;
  unassigned: number;
  duplicates: number;
}

/**
 * Watches the inbox (recursively) and ingests every complete file exactly once. A structurally
 * complete PNG is taken at once; an incomplete one waits until it has not grown for graceMs, then is
 * rejected as truncated. A link, FIFO, socket or device, and a file over the size limit, are rejected
 * without being read (links never followed) and moved to quarantine, out of every later scan. Any
 * failure to store leaves the file where it is, to be tried again.
 */
export class Feeder {
  readonly stats: FeederStats = {
    handled: 0,
    failed: 0,
    lastMs: 0,
    arrived: 0,
    rejected: 0,
    unassigned: 0,
    duplicates: 0,
  };
  private readonly sightings = new Map<string, Sighting>();
  private readonly inFlight = new Set<string>();
  private readonly queue: string[] = [];
  /** One non-recursive watch per directory of the inbox (Node 20's recursive watch re-reads a directory on every change). */
  private readonly watchers = new Map<string, FSWatcher>();
  /** Files this feeder has just taken away: their own change events need no scan. */
  private readonly removed = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private rescan = false;
  private workers: Promise<void>[] = [];
  private wake: (() => void) | null = null;
  private stopped = false;
  private readonly retryAfter = new Map<string, number>();

  constructor(
    private readonly ingestor: Ingestor,
    private readonly opts: FeederOptions,
  ) {}

  start(): void {
    this.watchDir(this.opts.inbox);
    this.timer = setInterval(() => this.requestScan(), 500);
    this.workers = Array.from({ length: this.opts.concurrency }, () => this.work());
    this.requestScan();
  }

  /** Stops taking files, finishes those in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    if (this.timer) clearInterval(this.timer);
    this.queue.length = 0;
    this.wakeAll();
    await this.scanning;
    await Promise.all(this.workers);
  }

  /** Resolves when nothing is queued or in flight (tests, benchmarks, the demo). */
  async idle(): Promise<void> {
    while (this.queue.length || this.inFlight.size || this.scanning) await new Promise((r) => setTimeout(r, 10));
  }

  /** Scans on every change in `dir`, but for the removal of a file this feeder took itself. */
  private watchDir(dir: string): void {
    if (this.watchers.has(dir) || this.stopped) return;
    try {
      const w = watch(dir, (_event, name) => {
        const file = name ? path.join(dir, name.toString()) : null;
        if (file && this.removed.delete(file)) return;
        this.requestScan();
      });
      w.on('error', () => {
        w.close();
        if (this.watchers.get(dir) === w) this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch {
      // Polling alone still finds everything (a directory gone meanwhile, or no watches left).
    }
  }

  requestScan(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = this.scan()
      .catch((err: unknown) => this.opts.say?.(`ingest: scan failed: ${(err as Error).message}`))
      .finally(() => {
        this.scanning = null;
        if (this.rescan) {
          this.rescan = false;
          this.requestScan();
        }
      });
  }

  private async scan(): Promise<void> {
    let entries;
    try {
      entries = await readdir(this.opts.inbox, { recursive: true, withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const now = Date.now();
    const present = new Set<string>();
    const dirs = new Set([this.opts.inbox]);
    const hidden = (p: string) =>
      path
        .relative(this.opts.inbox, p)
        .split(path.sep)
        .some((part) => part.startsWith('.'));
    for (const e of entries) {
      const parent = e.parentPath ?? (e as unknown as { path: string }).path;
      // Directories are walked (and watched); anything else (a link, a FIFO) is taken, to be refused with a reason.
      if (e.isDirectory()) {
        const dir = path.join(parent, e.name);
        if (!hidden(dir)) dirs.add(dir);
        continue;
      }
      if (!isCandidate(e.name)) continue;
      const file = path.join(parent, e.name);
      if (hidden(file)) continue;
      present.add(file);
      if (this.inFlight.has(file) || this.queue.includes(file)) continue;
      if ((this.retryAfter.get(file) ?? 0) > now) continue;
      let st;
      try {
        st = await lstat(file); // never follows a link
      } catch {
        continue;
      }
      if (!st.isFile()) {
        this.queue.push(file);
        continue;
      }
      const s = settled(this.sightings.get(file), st.size, st.mtimeMs, now, this.opts.settleMs);
      this.sightings.set(file, s);
      if (s.ready) this.queue.push(file);
    }
    for (const f of this.sightings.keys()) if (!present.has(f)) this.sightings.delete(f);
    for (const d of dirs) this.watchDir(d);
    for (const [d, w] of this.watchers)
      if (!dirs.has(d)) {
        w.close();
        this.watchers.delete(d);
      }
    // A removal whose event never came (coalesced by the kernel, or the watch gone) is not waited for forever.
    for (const [f, at] of this.removed) if (now - at > 2_000) this.removed.delete(f);
    if (this.queue.length) this.wakeAll();
  }

  private wakeAll(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const file = this.queue.shift();
      if (!file) {
        await new Promise<void>((r) => {
          const prev = this.wake;
          this.wake = () => {
            prev?.();
            r();
          };
        });
        continue;
      }
      this.inFlight.add(file);
      try {
        await this.take(file);
      } catch (err) {
        this.stats.failed++;
        this.retryAfter.set(file, Date.now() + 2000);
        this.opts.say?.(`ingest: ${path.relative(this.opts.inbox, file)}: ${(err as Error).message}; will retry`);
      } finally {
        this.inFlight.delete(file);
      }
    }
  }

  private async take(file: string): Promise<void> {
    const t0 = performance.now();
    const rel = path.relative(this.opts.inbox, file);
    const name = path.basename(file);
    const read = await readRegularFile(file, this.ingestor.maxBytes);
    if (read.kind === 'gone') return; // taken away meanwhile
    if (read.kind !== 'read') {
      const [code, reason] =
        read.kind === 'too-large'
          ? ([
              'too-large',
              `the file is ${read.size} bytes, over the limit of ${this.ingestor.maxBytes}; not read`,
            ] as const)
          : (['unreadable', `the file is ${read.what}, not a regular file; not opened, never followed`] as const);
      const size = read.kind === 'too-large' ? read.size : 0;
      const refused = await this.ingestor.reject({ size }, { source: rel, fileName: name, run: 0 }, code, reason);
      await this.finish(refused, file, 0);
      this.stats.handled++;
      this.sightings.delete(file);
      this.retryAfter.delete(file);
      this.opts.onOutcome?.(refused, file);
      return;
    }
    const bytes = read.bytes;
    // Half-written or still empty: wait for the writer, up to the grace period.
    const pre = this.ingestor.inspect(bytes);
    if (!pre.ok && (pre.code === 'truncated' || pre.code === 'empty')) {
      const seen = this.sightings.get(file);
      if (seen && Date.now() - seen.since < this.opts.graceMs) {
        this.retryAfter.set(file, Date.now() + Math.min(1000, this.opts.graceMs / 4));
        return;
      }
    }
    const run = await runInfoFor(file, this.opts.inbox);
    const outcome = await this.ingestor.ingest(bytes, {
      source: rel,
      fileName: name,
      run: run.run,
      ...(run.runPeriod ? { runPeriod: run.runPeriod } : {}),
    });
    await this.finish(outcome, file, run.run);
    this.stats.handled++;
    this.stats.lastMs = performance.now() - t0;
    this.sightings.delete(file);
    this.retryAfter.delete(file);
    this.opts.onOutcome?.(outcome, file);
  }

  private async finish(o: IngestOutcome, file: string, run: number): Promise<void> {
    this.removed.set(file, Date.now());
    switch (o.kind) {
      case 'arrived':
        if (o.duplicate) this.stats.duplicates++;
        else this.stats.arrived++;
        if (this.opts.after === 'archive')
          await moveFile(file, path.join(this.opts.archiveDir, String(run), path.basename(file)));
        else await unlink(file).catch(() => undefined);
        return;
      case 'unassigned':
        this.stats.unassigned++;
        await unlink(file).catch(() => undefined); // its bytes are kept under the unassigned folder
        return;
      case 'rejected':
        this.stats.rejected++;
        this.opts.say?.(`ingest: rejected ${path.relative(this.opts.inbox, file)}: ${o.code}: ${o.reason}`);
        await Ingestor.quarantine(o, { file });
        return;
    }
  }
}
