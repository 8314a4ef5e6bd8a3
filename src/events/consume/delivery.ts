import type { JsMsg } from '@nats-io/jetstream';
import { readItem, type ReadItem } from '../log.ts';

/** What a handler decided for one message; the runtime acknowledges accordingly. */
export type Outcome =
  | { readonly kind: 'ack' }
  /** Hand it back to be delivered again after `delayMs` (to this or another worker). */
  | { readonly kind: 'nak'; readonly delayMs: number }
  /** Never deliver it again. */
  | { readonly kind: 'term'; readonly reason: string };

export const ack: Outcome = { kind: 'ack' };
export const nak = (delayMs = 0): Outcome => ({ kind: 'nak', delayMs: Math.max(0, Math.round(delayMs)) });
export const term = (reason: string): Outcome => ({ kind: 'term', reason });

/** One message as a handler sees it: everything but the acknowledgement, which is the runtime's. */
export interface Delivery {
  readonly seq: number;
  readonly subject: string;
  /** The event type, read from the subject (`<ns>.<aggregate>.<event>.<key>`) without decoding anything. */
  readonly type: string;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
  /** Messages still waiting for this consumer when this one was sent. */
  readonly pending: number;
  /** When this process received it (ms since the epoch). */
  readonly receivedAt: number;
  /** The event, decoded and validated on first use (a handler that only needs the type never pays for it). */
  read(): ReadItem;
}

/** `<aggregate>.<event>` of a Hydra subject. */
export function typeOfSubject(subject: string): string {
  const parts = subject.split('.');
  return `${parts[1] ?? ''}.${parts[2] ?? ''}`;
}

export interface DeliveryParts {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly deliveryCount?: number;
  readonly pending?: number;
  readonly receivedAt?: number;
}

/** A delivery from its parts: what the runtime makes of a message, and what handler tests feed in. */
export function deliveryOf(p: DeliveryParts): Delivery {
  let item: ReadItem | undefined;
  return {
    seq: p.seq,
    subject: p.subject,
    type: typeOfSubject(p.subject),
    deliveryCount: p.deliveryCount ?? 1,
    pending: p.pending ?? 0,
    receivedAt: p.receivedAt ?? Date.now(),
    read: () => {
      item ??= readItem(p.data, p.seq, p.subject);
      return item;
    },
  };
}

export function deliveryOfMsg(m: JsMsg, receivedAt = Date.now()): Delivery {
  return deliveryOf({
    seq: m.seq,
    subject: m.subject,
    data: m.data,
    deliveryCount: m.info.deliveryCount,
    pending: m.info.pending,
    receivedAt,
  });
}

/** The delay before a failed message comes back: doubling from `baseMs` with each delivery, up to `maxMs`. */
export function retryDelayMs(deliveryCount: number, backoff: RetryBackoff): number {
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(Math.max(0, deliveryCount - 1), 30));
}

export interface RetryBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
}
