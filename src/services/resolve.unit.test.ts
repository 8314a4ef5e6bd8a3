import { describe, expect, it } from 'vitest';
import { resolveService } from './resolve.ts';
import type { EmbeddedServer } from './state.ts';

const server: EmbeddedServer = {
  pid: 4242,
  port: 40001,
  url: 'nats://127.0.0.1:40001',
  dataDir: '/v/services/nats',
  logFile: '/v/services/nats.log',
  startedAt: '2026-01-01T00:00:00.000Z',
};

describe('resolveService', () => {
  it('uses the configured URL when it answers, whatever is remembered', () => {
    expect(resolveService({ configured: { answers: true } })).toEqual({ kind: 'configured' });
    expect(
      resolveService({ configured: { answers: true }, remembered: { server, ours: true, answers: true } }),
    ).toEqual({ kind: 'configured' });
  });

  it('reuses the remembered embedded server when the configured URL is silent and ours answers', () => {
    expect(
      resolveService({
        configured: { answers: false, reason: 'ECONNREFUSED' },
        remembered: { server, ours: true, answers: true },
      }),
    ).toEqual({ kind: 'reuse', server });
  });

  it('waits on a remembered server that is ours but not answering yet', () => {
    expect(
      resolveService({ configured: { answers: false }, remembered: { server, ours: true, answers: false } }),
    ).toEqual({ kind: 'wait', server });
  });

  it('starts a new one when the remembered pid is gone or no longer ours, even if something answers on its port', () => {
    expect(
      resolveService({ configured: { answers: false }, remembered: { server, ours: false, answers: true } }),
    ).toEqual({ kind: 'start', stale: server });
    expect(
      resolveService({ configured: { answers: false }, remembered: { server, ours: false, answers: false } }),
    ).toEqual({ kind: 'start', stale: server });
  });

  it('starts one when nothing is configured or remembered', () => {
    expect(resolveService({ configured: { answers: false } })).toEqual({ kind: 'start' });
  });
});
