import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly path: string;
  readonly body: unknown;
  readonly at: number;
}

/**
 * A tiny HTTP server on 127.0.0.1 that records every JSON POST. It keeps its port while it is down
 * (nothing listens: connections are refused), so a client can be pointed at it before it comes up.
 */
export interface HttpSink {
  readonly url: string;
  readonly received: Received[];
  up(): Promise<void>;
  down(): Promise<void>;
  /** Answer with this status (default 200). */
  status: number;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function httpSink(opts: { up?: boolean } = {}): Promise<HttpSink> {
  const port = await freePort();
  let server: Server | null = null;
  const sink: HttpSink = {
    url: `http://127.0.0.1:${port}`,
    received: [],
    status: 200,
    async up() {
      if (server) return;
      const s = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (sink.status < 300)
            sink.received.push({
              path: req.url ?? '/',
              body: text ? (JSON.parse(text) as unknown) : null,
              at: Date.now(),
            });
          res.writeHead(sink.status, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
      server = s;
    },
    async down() {
      const s = server;
      server = null;
      if (s)
        await new Promise<void>((r) => {
          s.close(() => r());
          s.closeAllConnections();
        });
    },
  };
  if (opts.up !== false) await sink.up();
  return sink;
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined && got !== false) return got;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
