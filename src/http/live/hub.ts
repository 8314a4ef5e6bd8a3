import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { Db } from '../../db/connection.ts';
import type { EventLog } from '../../events/log.ts';
import { waitForCheckpoints } from '../../projections/checkpoints.ts';
import { buildBoard, roleHealth, type Board, type RoleHealth } from '../board.ts';
import { loadRunData, type RunData } from '../queries/run.ts';
import { alarmsView, boardView, healthView, newsView, type ReadTrouble } from '../views/run.ts';
import type { ViewContext } from '../views/layout.ts';
import type { HeartbeatWatch } from './heartbeats.ts';
import { partial, sseMessage } from './sse.ts';
import { setTimeout as sleep } from 'node:timers/promises';

/** The parts of the Run page that change live, each swapped into the element with its id. */
export const LIVE_PARTS = ['news', 'health', 'alarms', 'board'] as const;
export type LivePart = (typeof LIVE_PARTS)[number];
const SWAP: Record<LivePart, string> = {
  news: 'innerHTML',
  health: 'innerHTML',
  alarms: 'innerMorph',
  board: 'innerMorph',
};

export interface RunSnapshot {
  readonly at: number;
  readonly data: RunData;
  readonly board: Board;
  readonly roles: readonly RoleHealth[];
  readonly parts: Readonly<Record<LivePart, string>>;
}

export interface HubOptions {
  readonly db: Db;
  readonly log: EventLog;
  readonly heartbeats: HeartbeatWatch;
  readonly staleMs: number;
  readonly tz: string;
  readonly htmxVersion: string;
  readonly expectedRoles: () => readonly string[];
  readonly clock?: () => number;
  /** How long a rendered Run page may be reused by page loads (changes are pushed regardless). */
  readonly cacheMs?: number;
  /** How often stale data and dead workers are re-checked with no event to prompt it. */
  readonly tickMs?: number;
  readonly logger?: (line: string) => void;
}

/** Sent with the first message of a connection: the page shows it is live only once data actually flows. */
const LIVE_ON = partial('#live-state', 'outerHTML', '<span class="muted live-state on" id="live-state">● live</span>');

/** One open SSE connection. */
export interface Viewer {
  send(chunk: string): void;
  end(): void;
}

/** Which read model must have caught up before a change of this event type can be shown. */
export function projectionFor(type: string): string | null {
  if (type.startsWith('inference.') || type.startsWith('plottype.')) return 'plot_status';
  if (type.startsWith('alarm.')) return 'alarms';
  if (type.startsWith('news.')) return 'news';
  return null;
}

/**
 * Keeps the Run page current for every viewer: watches the stream (an ordered consumer from "now"),
 * waits until the read model holds the change, renders the page's live parts once, and pushes the
 * parts that changed to every open SSE connection.
 */
export class LiveHub {
  private snapshot: RunSnapshot | null = null;
  private building: Promise<RunSnapshot> | null = null;
  private readonly clients = new Set<Viewer>();
  private needs = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private messages: ConsumerMessages | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private watching: Promise<void> | null = null;
  private stopped = false;
  private readonly stopping = new AbortController();
  private rolesKey = '';
  private trouble: ReadTrouble | null = null;
  readonly clock: () => number;

  constructor(private readonly o: HubOptions) {
    this.clock = o.clock ?? Date.now;
  }

  /** Every process's latest heartbeat (from the watch, not a NATS round trip). */
  heartbeats() {
    return this.o.heartbeats.all();
  }

  get viewers(): number {
    return this.clients.size;
  }

  start(): void {
    this.watching ??= this.watchEvents();
    this.o.heartbeats.start(() => {
      const key = roleHealth(this.o.heartbeats.all(), this.o.expectedRoles(), this.clock())
        .map((r) => `${r.role}:${r.live}`)
        .join(',');
      if (key !== this.rolesKey) {
        this.rolesKey = key;
        this.schedule();
      }
    });
    this.ticker = setInterval(() => this.schedule(), this.o.tickMs ?? 10_000);
  }

  /**
   * The Run page's live parts, rendered once for everyone. Changes rebuild it as they happen; past
   * `cacheMs` a page load still gets the last one at once and a rebuild starts behind it (stale
   * data warnings depend on the clock). `cacheMs: 0` waits for a fresh build every time.
   */
  async current(): Promise<RunSnapshot> {
    const s = this.snapshot;
    const maxAge = this.o.cacheMs ?? 5_000;
    // While the database does not answer, viewers get the last page, saying so (when there is one).
    if (!s || maxAge === 0) return this.rebuild().catch((err: unknown) => this.snapshot ?? Promise.reject(err));
    if (this.clock() - s.at >= maxAge)
      this.rebuild().catch((err: unknown) => this.o.logger?.(`live: ${(err as Error).message}`));
    return s;
  }

  /** Opens a viewer: sends it every part now, then each change. Returns the function that closes it. */
  async open(viewer: Viewer): Promise<() => void> {
    await this.current();
    // Same tick as the subscription: no change can be broadcast between the two.
    viewer.send(
      sseMessage(LIVE_PARTS.map((p) => partial(`#${p}`, SWAP[p], this.snapshot!.parts[p])).join('') + LIVE_ON),
    );
    this.clients.add(viewer);
    return () => this.clients.delete(viewer);
  }

  private rebuild(): Promise<RunSnapshot> {
    this.building ??= this.build()
      .catch((err: unknown) => {
        this.unreadable(err);
        throw err;
      })
      .finally(() => {
        this.building = null;
      });
    return this.building;
  }

  private viewContext(now: number): ViewContext {
    return { tz: this.o.tz, now, htmxVersion: this.o.htmxVersion };
  }

  /** The read models cannot be read: the health part says so on the last page, pushed to every viewer. */
  private unreadable(err: unknown): void {
    const s = this.snapshot;
    const now = this.clock();
    this.trouble ??= { since: now, message: (err as Error).message.slice(0, 200), shownFrom: s?.at ?? now };
    if (!s) return;
    const health = healthView(
      s.board,
      s.roles,
      s.data.parked,
      this.viewContext(now),
      this.o.staleMs,
      this.trouble,
    ).value;
    if (health === s.parts.health) return;
    this.snapshot = { ...s, parts: { ...s.parts, health } };
    this.broadcast(sseMessage(partial('#health', SWAP.health, health)));
  }

  private async build(): Promise<RunSnapshot> {
    const now = this.clock();
    const data = await loadRunData(this.o.db, now);
    this.trouble = null;
    const board = buildBoard(data.rows, now, this.o.staleMs);
    const roles = roleHealth(this.o.heartbeats.all(), this.o.expectedRoles(), now);
    const ctx = this.viewContext(now);
    const parts: Record<LivePart, string> = {
      news: newsView(data.news, ctx).value,
      health: healthView(board, roles, data.parked, ctx, this.o.staleMs).value,
      alarms: alarmsView(data.alarms, ctx).value,
      board: boardView(board, ctx).value,
    };
    const previous = this.snapshot?.parts;
    const snapshot = { at: now, data, board, roles, parts };
    this.snapshot = snapshot;
    const changed = LIVE_PARTS.filter((p) => previous && previous[p] !== parts[p]);
    if (changed.length) this.broadcast(sseMessage(changed.map((p) => partial(`#${p}`, SWAP[p], parts[p])).join('')));
    return snapshot;
  }

  private broadcast(chunk: string): void {
    for (const viewer of this.clients) {
      try {
        viewer.send(chunk);
      } catch {
        this.clients.delete(viewer);
      }
    }
  }

  /** Notes that an event at `seq` needs `projection` caught up, and schedules a push. */
  noteEvent(type: string, seq: number): void {
    const projection = projectionFor(type);
    if (!projection) return;
    this.needs.set(projection, Math.max(seq, this.needs.get(projection) ?? 0));
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    // A short delay gathers the burst of verdicts one chunk of plots brings into one push.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushing
        .then(() => this.flush())
        .catch((err: unknown) => this.o.logger?.(`live: ${(err as Error).message}`));
    }, 25);
  }

  private async flush(): Promise<void> {
    const needs = this.needs;
    this.needs = new Map();
    if (needs.size) await this.caughtUp(needs, 3_000);
    // A build already under way may have read the tables before the change: wait for it, then build anew.
    await this.building?.catch(() => undefined);
    await this.rebuild();
  }

  /** Waits (briefly) until each read model's checkpoint has reached the event that changed it. */
  private async caughtUp(needs: ReadonlyMap<string, number>, timeoutMs: number): Promise<boolean> {
    const late = await waitForCheckpoints(this.o.db, needs, { timeoutMs, signal: this.stopping.signal });
    return late.length === 0 && !this.stopped;
  }

  private async watchEvents(): Promise<void> {
    const { js, names } = this.o.log;
    while (!this.stopped) {
      try {
        const consumer = await js.consumers.get(names.stream, {
          filter_subjects: names.all,
          deliver_policy: DeliverPolicy.New,
        });
        this.messages = await consumer.consume({ max_messages: 500 });
        for await (const m of this.messages) {
          const [, aggregate, event] = m.subject.split('.');
          this.noteEvent(`${aggregate}.${event}`, m.seq);
        }
      } catch (err) {
        if (!this.stopped) this.o.logger?.(`live: event watch: ${(err as Error).message}; retrying`);
      }
      if (!this.stopped) await sleep(1000);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    await this.messages?.close().catch(() => undefined);
    await this.o.heartbeats.stop();
    await this.watching;
    await this.flushing;
    for (const viewer of this.clients) viewer.end();
    this.clients.clear();
  }
}
