import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import mysql from 'mysql2/promise';
import { loadConfig, type Config } from '../config.ts';
import { ensureServices, type Services } from './ensure.ts';
import { findServices, servicesStatus, stopServices } from './manage.ts';
import { probeMysql, probeNats } from './probe.ts';
import { freePort, isOurProcess, portIsClosed } from './proc.ts';
import { readState } from './state.ts';

async function publishToStream(natsUrl: string): Promise<number> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'SVCTEST', subjects: ['svctest.>'] });
    const ack = await jetstream(nc).publish('svctest.hello', 'hi', { msgID: 'one' });
    const dup = await jetstream(nc).publish('svctest.hello', 'hi', { msgID: 'one' });
    expect(dup.duplicate).toBe(true);
    return ack.seq;
  } finally {
    await nc.close();
  }
}

async function withMysql<T>(url: string, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ uri: url });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

describe('ensureServices against closed ports', () => {
  let varDir: string;
  let config: Config;
  let first: Services;

  beforeAll(async () => {
    varDir = await mkdtemp(path.join(os.tmpdir(), 'hydra-svc-'));
    const [natsPort, dbPort] = [await freePort(), await freePort()]; // bound and released: nothing listens there
    config = loadConfig({
      ...process.env,
      HYDRA_VAR_DIR: varDir,
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      DATABASE_URL: `mysql://root@127.0.0.1:${dbPort}/svc_test`,
    });
    first = await ensureServices(config);
  });

  afterAll(async () => {
    if (config) await stopServices(config);
    if (varDir) await rm(varDir, { recursive: true, force: true });
  });

  it('starts its own NATS with JetStream and its own MariaDB, on other ports, and remembers them', async () => {
    expect(first.nats).toMatchObject({ source: 'embedded', started: true });
    expect(first.mariadb).toMatchObject({ source: 'embedded', started: true });
    expect(first.natsUrl).not.toBe(config.NATS_URL);
    expect(first.databaseUrl).toMatch(/^mysql:\/\/root@127\.0\.0\.1:\d+\/svc_test$/);
    expect(await publishToStream(first.natsUrl)).toBe(1);
    const rows = await withMysql(first.databaseUrl.replace(/svc_test$/, ''), async (c) => {
      await c.query('CREATE DATABASE svc_test');
      await c.query('CREATE TABLE svc_test.kept (id INT PRIMARY KEY, note TEXT)');
      await c.query("INSERT INTO svc_test.kept VALUES (1, 'survives a restart')");
      const [r] = await c.query('SELECT note FROM svc_test.kept');
      return r;
    });
    expect(rows).toEqual([{ note: 'survives a restart' }]);
    const { state } = await readState(path.join(varDir, 'services', 'state.json'));
    expect(state.nats?.pid).toBe(first.nats.server?.pid);
    expect(state.mariadb?.pid).toBe(first.mariadb.server?.pid);
  });

  it('reuses the running servers on a second call (same pids), and status/find report them in use', async () => {
    const again = await ensureServices(config);
    expect(again.nats).toMatchObject({ source: 'embedded', started: false, url: first.natsUrl });
    expect(again.mariadb).toMatchObject({ source: 'embedded', started: false, url: first.databaseUrl });
    expect(again.nats.server?.pid).toBe(first.nats.server?.pid);
    expect(again.mariadb.server?.pid).toBe(first.mariadb.server?.pid);
    const { rows } = await servicesStatus(config);
    expect(rows.filter((r) => r.inUse).map((r) => [r.name, r.where, r.answers])).toEqual([
      ['nats', 'embedded', true],
      ['mariadb', 'embedded', true],
    ]);
    const found = await findServices(config);
    expect(found.nats?.url).toBe(first.natsUrl);
    expect(found.mariadb?.url).toBe(first.databaseUrl);
  });

  it('replaces an embedded server that died (killed -9) on the same port, and keeps the one that still runs', async () => {
    const dead = first.nats.server;
    if (!dead) throw new Error('no embedded NATS');
    process.kill(dead.pid, 'SIGKILL');
    while (await isOurProcess(dead.pid, dead.dataDir)) await new Promise((r) => setTimeout(r, 50));
    const healed = await ensureServices(config);
    expect(healed.nats).toMatchObject({ started: true, url: first.natsUrl });
    expect(healed.nats.server?.pid).not.toBe(dead.pid);
    expect(healed.mariadb).toMatchObject({ started: false });
    expect(healed.mariadb.server?.pid).toBe(first.mariadb.server?.pid);
    const nc = await connect({ servers: healed.natsUrl });
    const info = await (await jetstreamManager(nc)).streams.info('SVCTEST');
    await nc.close();
    expect(info.state.messages).toBe(1); // the stream survived in var/services/nats
  });

  it('down stops exactly those servers and frees their ports; up again brings back the same ports and data', async () => {
    const stopped = await stopServices(config);
    expect(stopped.map((s) => [s.name, s.outcome, s.portClosed])).toEqual([
      ['nats', 'stopped', true],
      ['mariadb', 'stopped', true],
    ]);
    for (const s of [first.nats.server, first.mariadb.server]) {
      expect(s && (await isOurProcess(s.pid, s.dataDir))).toBe(false);
      expect(s && (await portIsClosed(s.port))).toBe(true);
    }
    expect((await probeNats(first.natsUrl, 500)).answers).toBe(false);
    expect((await probeMysql(first.databaseUrl, 500)).answers).toBe(false);
    expect(await findServices(config)).toEqual({});

    const back = await ensureServices(config);
    expect(back.nats.started && back.mariadb.started).toBe(true);
    expect([back.natsUrl, back.databaseUrl]).toEqual([first.natsUrl, first.databaseUrl]);
    expect(back.mariadb.server?.pid).not.toBe(first.mariadb.server?.pid);
    const [rows] = await withMysql(back.databaseUrl, (c) => c.query('SELECT note FROM kept'));
    expect(rows).toEqual([{ note: 'survives a restart' }]);
    const nc = await connect({ servers: back.natsUrl });
    const info = await (await jetstreamManager(nc)).streams.info('SVCTEST');
    await nc.close();
    expect(info.state.messages).toBe(1);
  });
});

describe('ensureServices with answering URLs', () => {
  it('uses the configured servers and starts nothing', async () => {
    const varDir = await mkdtemp(path.join(os.tmpdir(), 'hydra-svc-'));
    try {
      const config = loadConfig({
        ...process.env,
        HYDRA_VAR_DIR: varDir,
        NATS_URL: inject('natsUrl'),
        DATABASE_URL: inject('databaseUrl'),
      });
      const s = await ensureServices(config);
      expect(s.nats).toMatchObject({ source: 'configured', started: false, url: config.NATS_URL });
      expect(s.mariadb).toMatchObject({ source: 'configured', started: false, url: config.DATABASE_URL });
      await expect(readFile(path.join(varDir, 'services', 'state.json'))).rejects.toThrow(/ENOENT/);
      expect(await stopServices(config)).toEqual([]);
    } finally {
      await rm(varDir, { recursive: true, force: true });
    }
  });
});
