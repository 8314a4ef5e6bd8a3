import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { connect } from 'node:net';
import { openHttpEnv, type HttpEnv } from '../../test/support/http.ts';
import { signedIn } from '../../test/support/accounts.ts';
import { buildApp } from './app.ts';

let h: HttpEnv;
let listening: FastifyInstance;
let port: number;

beforeAll(async () => {
  h = await openHttpEnv('hostile');
  // The same app with short limits, on a real socket: slow clients are a matter of sockets, not of inject.
  listening = await buildApp({ deps: h.deps, timeouts: { requestMs: 1_500, headersMs: 1_000, idleMs: 5_000 } });
  await listening.listen({ host: '127.0.0.1', port: 0 });
  const a = listening.server.address();
  port = typeof a === 'object' && a ? a.port : 0;
});
afterAll(async () => {
  await listening.close();
  await h.close();
});

/** Sends `text` on a raw connection and never more; resolves with what came back once the server closes it. */
function sendAndWaitForClose(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.write(text);
  });
}

describe('slow and stalled clients', () => {
  it('closes a POST that declares a body and sends 6 bytes of it', async () => {
    const head = `POST /signin HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\n`;
    const answer = await sendAndWaitForClose(`${head}Content-Length: 100\r\n\r\nuser=a`);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
  it('closes a connection whose headers never end', async () => {
    const answer = await sendAndWaitForClose(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: a`);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('hostile headers', () => {
  it('answers a POST with Origin: garbage with 403, never 500, signed in or not', async () => {
    const b = await signedIn(h.app, 'origin-olga', 'expert');
    for (const origin of ['garbage', 'http://', '://x', 'http://[::1', 'javascript:alert(1)', '%%%']) {
      const signedInPost = await b.post('/news', { text: 'hello' }, { origin });
      expect(signedInPost.statusCode, origin).toBe(403);
      const anonymous = await h.app.inject({
        method: 'POST',
        url: '/news',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'text=hello',
      });
      expect([401, 403], origin).toContain(anonymous.statusCode);
    }
    const badReferer = await b.post('/news', { text: 'hello' }, { origin: undefined, referer: 'garbage' });
    expect(badReferer.statusCode).toBe(403);
  });
});

describe('strict query parsing (the Log page)', () => {
  const query = async (q: string) => {
    const b = await signedIn(h.app, `log-${Math.random().toString(36).slice(2, 8)}`, 'viewer');
    return b.get(`/log?${q}`, { accept: 'application/json' });
  };
  it('takes real dates and decimal run numbers', async () => {
    expect((await query('from=2024-02-29&to=2024-03-01T12:30&runFrom=7&runTo=2147483647')).statusCode).toBe(200);
    expect((await query('runFrom=&plot=')).statusCode).toBe(200); // empty fields of the form are absent
  });
  it('refuses dates that do not exist, naming the field', async () => {
    for (const [q, field] of [
      ['from=2024-13-45', 'from'],
      ['to=2025-02-29', 'to'],
      ['from=2024-01-01T24:00', 'from'],
      ['from=yesterday', 'from'],
    ] as const) {
      const r = await query(q);
      expect(r.statusCode, q).toBe(400);
      expect(r.json().message, q).toMatch(new RegExp(`^${field}: .*YYYY-MM-DD`));
    }
  });
  it('refuses numbers that are not plain decimal digits within bounds, with the allowed range', async () => {
    for (const v of ['0x10', '%207%20', '1e3', '-1', '7.0', '2147483648', '99999999999999999999']) {
      const r = await query(`runFrom=${v}`);
      expect(r.statusCode, v).toBe(400);
      expect(r.json().message, v).toMatch(/^runFrom: .*a whole number from 0 to 2147483647 \(decimal digits\)/);
    }
    const page = await query('page=0');
    expect(page.json().message).toMatch(/^page: .*from 1 to 1000000/);
  });
  it('refuses a single-value field given twice, and fields it does not know', async () => {
    const twice = await query('runFrom=1&runFrom=2');
    expect(twice.statusCode).toBe(400);
    expect(twice.json().message).toBe('runFrom: given 2 times; give one value');
    const plotTwice = await query('plot=A&plot=B');
    expect(plotTwice.json().message).toBe('plot: given 2 times; give one value');
    const unknown = await query('runfrom=1');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/runfrom/);
  });
  it('refuses unknown fields on every route, naming them and what is allowed', async () => {
    const timeline = await h.app.inject({ url: '/timeline?plto=A', headers: { accept: 'application/json' } });
    expect(timeline.statusCode).toBe(400);
    expect(timeline.json().message).toMatch(/unknown field "plto"; allowed: .*plot/);
    const status = await h.app.inject({ url: '/status?verbose=1', headers: { accept: 'application/json' } });
    expect(status.statusCode).toBe(400);
    expect(status.json().message).toMatch(/unknown field "verbose"; this address takes none/);
    const b = await signedIn(h.app, 'typo-tom', 'expert');
    const news = await b.post('/news', { text: 'hello', colour: 'red' }, { accept: 'application/json' });
    expect(news.statusCode).toBe(400);
    expect(news.json().message).toMatch(/"colour"/);
  });
});
