import type { EmbeddedServer } from './state.ts';

/** What was learnt about one service before deciding where it lives. */
export interface ServiceFacts {
  /** Whether the configured URL (NATS_URL / DATABASE_URL) answered a real request, and why not. */
  readonly configured: { readonly answers: boolean; readonly reason?: string };
  /** The embedded server remembered in the state file, if any. */
  readonly remembered?: {
    readonly server: EmbeddedServer;
    /** Its pid is alive and its command line still names our data directory. */
    readonly ours: boolean;
    /** Only probed when ours: a stranger answering on a remembered port is not ours to use. */
    readonly answers: boolean;
  };
}

export type Resolution =
  | { readonly kind: 'configured' }
  | { readonly kind: 'reuse'; readonly server: EmbeddedServer }
  /** Ours and alive but silent: it may still be starting; wait, and restart it if it stays silent. */
  | { readonly kind: 'wait'; readonly server: EmbeddedServer }
  /** Nothing usable: start one (forgetting a remembered server that has died). */
  | { readonly kind: 'start'; readonly stale?: EmbeddedServer };

/** Configured URL if it answers, else the remembered embedded server if it answers, else a new one. */
export function resolveService(facts: ServiceFacts): Resolution {
  if (facts.configured.answers) return { kind: 'configured' };
  const r = facts.remembered;
  if (!r) return { kind: 'start' };
  if (!r.ours) return { kind: 'start', stale: r.server };
  return r.answers ? { kind: 'reuse', server: r.server } : { kind: 'wait', server: r.server };
}
