import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, parseState, preferredPort, withServer, type EmbeddedServer } from './state.ts';

const nats: EmbeddedServer = {
  pid: 100,
  port: 40001,
  url: 'nats://127.0.0.1:40001',
  dataDir: '/v/services/nats',
  logFile: '/v/services/nats.log',
  startedAt: '2026-01-01T00:00:00.000Z',
};

describe('parseState', () => {
  it('reads a missing or empty file as the empty state', () => {
    expect(parseState(undefined)).toEqual({ ok: true, state: EMPTY_STATE });
    expect(parseState('  \n')).toEqual({ ok: true, state: EMPTY_STATE });
  });

  it('round-trips a valid state', () => {
    const state = { version: 1 as const, nats, lastPorts: { mariadb: 40002 } };
    expect(parseState(JSON.stringify(state))).toEqual({ ok: true, state });
  });

  it('rejects text that is not JSON, saying why', () => {
    const r = parseState('{"version":1,');
    expect(r.ok).toBe(false);
    expect(r.state).toEqual(EMPTY_STATE);
    if (!r.ok) expect(r.problem).toMatch(/^not JSON/);
  });

  it('rejects a state whose server lacks fields or has a bad pid, naming the path', () => {
    const bad = parseState(JSON.stringify({ version: 1, nats: { ...nats, pid: -3 } }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problem).toContain('nats.pid');
    const { url: _url, ...noUrl } = nats;
    const missing = parseState(JSON.stringify({ version: 1, mariadb: noUrl }));
    if (!missing.ok) expect(missing.problem).toContain('mariadb.url');
    expect(missing.ok).toBe(false);
  });

  it('rejects another version', () => {
    expect(parseState(JSON.stringify({ version: 2 })).ok).toBe(false);
  });
});

describe('withServer / preferredPort', () => {
  it('remembers a server and, when it is forgotten, keeps its port for the next start', () => {
    const up = withServer(EMPTY_STATE, 'nats', nats);
    expect(up.nats).toEqual(nats);
    expect(preferredPort(up, 'nats')).toBe(40001);
    const down = withServer(up, 'nats', undefined);
    expect(down.nats).toBeUndefined();
    expect(down.lastPorts).toEqual({ nats: 40001 });
    expect(preferredPort(down, 'nats')).toBe(40001);
    expect(preferredPort(down, 'mariadb')).toBeUndefined();
    expect(EMPTY_STATE).toEqual({ version: 1 }); // not mutated
  });
});
