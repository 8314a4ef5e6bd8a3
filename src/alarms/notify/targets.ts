import type { AlarmRow } from '../../projections/alarms/table.ts';
import type { AlarmEvent } from '../book.ts';
import { NotifyError } from '../errors.ts';
import { alertFor, webhookPayload, type Links } from './message.ts';

/** Somewhere alarm notifications go. `send` resolves only once the target accepted the notification. */
export interface NotifyTarget {
  readonly name: string;
  /** `alarm`: the episode as it stood right after `e`. */
  send(e: AlarmEvent, alarm: AlarmRow | undefined): Promise<void>;
  /** Re-sends what must stay known (Alertmanager forgets alerts nobody re-sends), every `refreshMs`. */
  refresh?(open: readonly AlarmRow[]): Promise<void>;
  readonly refreshMs?: number;
}

/** POSTs JSON; anything but a 2xx answer within the timeout is a NotifyError. */
export async function postJson(target: string, url: string, body: unknown, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const reason = (err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new NotifyError(target, `POST ${url}: ${reason}`, undefined, { cause: err });
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new NotifyError(target, `POST ${url}: HTTP ${res.status} ${text.slice(0, 200)}`, res.status);
}

export function webhookTarget(url: string, opts: { links: Links; timeoutMs: number }): NotifyTarget {
  return {
    name: 'webhook',
    send: (e, alarm) => postJson('webhook', url, webhookPayload(e, alarm, opts.links), opts.timeoutMs),
  };
}

/** Prometheus Alertmanager's v2 API: raised alarms fire (and are re-sent while open), resolutions end them. */
export function alertmanagerTarget(
  baseUrl: string,
  opts: { links: Links; timeoutMs: number; severity: string; resendMs: number; now?: () => number },
): NotifyTarget {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
  const now = opts.now ?? Date.now;
  const validUntil = () => new Date(now() + 4 * opts.resendMs).toISOString();
  const post = (alarms: readonly AlarmRow[]) =>
    postJson(
      'alertmanager',
      url,
      alarms.map((a) => alertFor(a, { severity: opts.severity, links: opts.links, endsAt: validUntil() })),
      opts.timeoutMs,
    );
  return {
    name: 'alertmanager',
    refreshMs: opts.resendMs,
    async send(e, alarm) {
      // Acknowledging changes nothing in Alertmanager (silences are its own business); an alarm we never
      // saw raised has no labels to end.
      if (e.type === 'alarm.acknowledged' || !alarm) return;
      // `alarm` is the episode as it stood at this event: a late raise still fires, and its end follows.
      await post([alarm]);
    },
    async refresh(open) {
      if (open.length > 0) await post(open);
    },
  };
}
