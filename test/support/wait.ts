/**
 * Waits until `check` returns something other than undefined or false, re-checking every `everyMs`.
 * The deadline is generous on purpose: it only turns a hang into a failure with a reason, it is not
 * an assertion about time.
 */
export async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  opts: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const end = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 25));
  }
}

/** Values pushed as they happen, and a promise for the moment they satisfy a condition. */
export class Recorder<T> {
  readonly items: T[] = [];
  private waiters: { check: (items: readonly T[]) => boolean; resolve: () => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (!w.check(this.items)) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `check(items)` holds; rejects after a generous deadline, naming what it waited for. */
  until(check: (items: readonly T[]) => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    if (check(this.items)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out waiting for ${what}; saw ${this.items.length}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ check, resolve: done });
    });
  }
}

/** A gate a test opens when it is ready: handlers wait on it to stay "in the middle of a job". */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}
