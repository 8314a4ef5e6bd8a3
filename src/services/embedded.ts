import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { findExecutable } from './binaries.ts';
import {
  mariadbdCommand,
  mariadbInstallCommand,
  natsServerCommand,
  natsUrlFor,
  type CommandLine,
  type ServicesLayout,
} from './commands.ts';
import { ServiceError } from './errors.ts';
import { installMissing, type Installable } from './install.ts';
import { probeMysql, probeNats, type ProbeResult } from './probe.ts';
import { freePort, runLogged, sleep, spawnDetached, stopProcess } from './proc.ts';
import type { EmbeddedServer } from './state.ts';

export interface StartContext {
  readonly layout: ServicesLayout;
  readonly asRoot: boolean;
  readonly log: (line: string) => void;
  /** How long a fresh server may take to answer. */
  readonly startTimeoutMs?: number;
  /** The port the server had last time: reused when free, so its URL stays the same across restarts. */
  readonly preferredPort?: number;
}

/** Finds the binaries, installing their Debian package first when they are missing and we can. */
export async function requireBinaries<const N extends Installable>(
  names: readonly N[],
  log: (line: string) => void,
): Promise<Record<N, string>> {
  const find = async (): Promise<Map<N, string | undefined>> =>
    new Map(await Promise.all(names.map(async (n) => [n, await findExecutable(n)] as const)));
  let found = await find();
  const missing = names.filter((n) => !found.get(n));
  if (missing.length > 0) {
    await installMissing(missing, log);
    found = await find();
  }
  const out = {} as Record<N, string>;
  for (const n of names) {
    const file = found.get(n);
    if (!file)
      throw new ServiceError('HYDRA_SERVICE_BINARY_MISSING', `${n} is still missing after installing its package`);
    out[n] = file;
  }
  return out;
}

/** The last lines a log gained since it was `from` bytes long. */
async function logTail(file: string, from = 0, lines = 15): Promise<string> {
  const buf = await readFile(file).catch(() => Buffer.alloc(0));
  return buf.subarray(from).toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

const sizeOf = async (file: string): Promise<number> => (await stat(file).catch(() => undefined))?.size ?? 0;

/** Polls `probe` until it answers; gives up when the child exits or the time is up. */
export async function waitUntilAnswers(
  probe: () => Promise<ProbeResult>,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<ProbeResult & { exited: boolean }> {
  let exited = child ? child.exitCode !== null || child.signalCode !== null : false;
  child?.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  let last: ProbeResult = { answers: false, reason: 'not probed yet' };
  while (!exited && Date.now() < deadline) {
    last = await probe();
    if (last.answers) return { ...last, exited };
    await sleep(150);
  }
  return { ...last, exited };
}

type Launch = (port: number) => { cmd: CommandLine; url: string; probe: (url: string) => Promise<ProbeResult> };

/** Starts a server on a free port and waits until it answers; a lost race for the port is retried. */
async function launch(
  what: string,
  dataDir: string,
  logFile: string,
  make: Launch,
  ctx: StartContext,
): Promise<EmbeddedServer> {
  const timeoutMs = ctx.startTimeoutMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(attempt === 1 ? ctx.preferredPort : undefined);
    const { cmd, url, probe } = make(port);
    const logStart = await sizeOf(logFile);
    const child = spawnDetached(cmd, logFile);
    const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
    const pid = child.pid;
    if (pid === undefined) {
      throw new ServiceError('HYDRA_SERVICE_START_FAILED', `${what}: could not start ${cmd.bin}`, {
        cause: await spawnFailed,
      });
    }
    const result = await waitUntilAnswers(() => probe(url), timeoutMs, child);
    if (result.answers) {
      return { pid, port, url, dataDir, logFile, startedAt: new Date().toISOString() };
    }
    const tail = await logTail(logFile, logStart);
    if (!result.exited) await stopProcess(pid, dataDir, 5_000);
    if (result.exited && attempt < 3 && /address already in use/i.test(tail)) continue;
    throw new ServiceError(
      'HYDRA_SERVICE_START_FAILED',
      `${what} ${result.exited ? 'exited' : `did not answer within ${timeoutMs / 1000} s`} (last: ${result.reason}); ${logFile} ends:\n${tail}`,
    );
  }
}

export async function startNats(ctx: StartContext): Promise<EmbeddedServer> {
  const { 'nats-server': bin } = await requireBinaries(['nats-server'], ctx.log);
  const { natsStoreDir, natsLog } = ctx.layout;
  await mkdir(natsStoreDir, { recursive: true });
  return launch(
    'nats-server',
    natsStoreDir,
    natsLog,
    (port) => ({
      cmd: natsServerCommand(bin, port, natsStoreDir),
      url: natsUrlFor(port),
      probe: (u) => probeNats(u),
    }),
    ctx,
  );
}

/** Creates the data directory on first use (mariadb-install-db), then starts mariadbd on its own socket and port. */
export async function startMariadb(ctx: StartContext): Promise<EmbeddedServer> {
  const bins = await requireBinaries(['mariadbd', 'mariadb-install-db'], ctx.log);
  const { mariadbDataDir: dataDir, mariadbSocket, mariadbLog, mariadbInstallLog } = ctx.layout;
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (!existsSync(path.join(dataDir, 'mysql'))) {
    await rm(dataDir, { recursive: true, force: true }); // a half-made directory from an interrupted install
    ctx.log(`creating MariaDB data directory ${dataDir}`);
    const code = await runLogged(
      mariadbInstallCommand(bins['mariadb-install-db'], dataDir, ctx.asRoot),
      mariadbInstallLog,
    );
    if (code !== 0) {
      const tail = await logTail(mariadbInstallLog);
      await rm(dataDir, { recursive: true, force: true });
      throw new ServiceError(
        'HYDRA_SERVICE_START_FAILED',
        `mariadb-install-db exited with ${code}; ${mariadbInstallLog} ends:\n${tail}`,
      );
    }
  }
  return launch(
    'mariadbd',
    dataDir,
    mariadbLog,
    (port) => ({
      cmd: mariadbdCommand(bins.mariadbd, dataDir, mariadbSocket, port, ctx.asRoot),
      url: `mysql://root@127.0.0.1:${port}/`,
      probe: (u) => probeMysql(u),
    }),
    ctx,
  );
}
