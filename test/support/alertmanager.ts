import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findAlertmanager } from '../../src/services/binaries.ts';
import { waitFor } from './http-sink.ts';

/** An alert as GET /api/v2/alerts returns it (the parts the tests read). */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

export interface RunningAlertmanager {
  readonly url: string;
  alerts(filter?: string): Promise<GettableAlert[]>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A private Debian prometheus-alertmanager on a free loopback port, with its own config and storage,
 * no clustering; its notifications (fired and resolved) go to `webhookUrl`. Alerts live in its memory only:
 * a restart on the same port forgets them, as a real Alertmanager's restart does.
 */
export async function startAlertmanager(opts: {
  webhookUrl: string;
  port?: number;
}): Promise<RunningAlertmanager & { port: number }> {
  const bin = await findAlertmanager();
  if (!bin)
    throw new Error(
      'prometheus-alertmanager not found: npm test installs it (hydra doctor --install), or apt-get install -y prometheus-alertmanager',
    );
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hydra-am-'));
  const config = [
    'route:',
    '  receiver: hook',
    '  group_by: [alertname, plot_type, detector, run]',
    '  group_wait: 200ms',
    '  group_interval: 500ms',
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: hook',
    '    webhook_configs:',
    `      - url: ${opts.webhookUrl}`,
    '        send_resolved: true',
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'alertmanager.yml'), config);
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    await waitFor(
      'alertmanager to be ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`alertmanager exited ${child.exitCode}: ${stderr}`);
        const res = await fetch(`${url}/-/ready`).catch(() => null);
        return res?.ok === true;
      },
      15_000,
      100,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    port,
    async alerts(filter) {
      const res = await fetch(`${url}/api/v2/alerts${filter ? `?filter=${encodeURIComponent(filter)}` : ''}`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: HTTP ${res.status}`);
      return (await res.json()) as GettableAlert[];
    },
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
