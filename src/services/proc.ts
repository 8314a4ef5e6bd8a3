import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CommandLine } from './commands.ts';

const execFileP = promisify(execFile);
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Binds 127.0.0.1:port (0: the kernel picks) and lets go; resolves with the port, or undefined when taken. */
function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(got));
    });
  });
}

/** A port nobody listens on right now: `preferred` when it is free (a restarted server keeps its port), else one the kernel picks. */
export async function freePort(preferred?: number): Promise<number> {
  const got = (preferred ? await tryBind(preferred) : undefined) ?? (await tryBind(0));
  if (!got) throw new Error('no free port on 127.0.0.1');
  return got;
}

/** True when nothing accepts connections on 127.0.0.1:port. */
export function portIsClosed(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (closed: boolean): void => {
      sock.destroy();
      resolve(closed);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(false));
    sock.once('error', () => done(true));
  });
}

/** The process's arguments, or undefined when it is gone (a zombie has none either). */
export async function commandLineOf(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const args = raw.split('\0').filter((a) => a !== '');
    return args.length > 0 ? args : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux') return undefined;
  }
  try {
    // no /proc (macOS): ask ps; arguments come back joined by spaces
    const { stdout } = await execFileP('ps', ['-o', 'args=', '-p', String(pid)]);
    const line = stdout.trim();
    return line ? line.split(/\s+/) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether an argument list names this data directory (`--datadir=DIR`, or `-sd DIR`). */
export function argsNameDir(args: readonly string[], dir: string): boolean {
  return args.some((a) => a === dir || a.endsWith(`=${dir}`));
}

/** Alive, and still the server we started: its command line names our data directory. */
export async function isOurProcess(pid: number, dataDir: string): Promise<boolean> {
  const args = await commandLineOf(pid);
  return args !== undefined && argsNameDir(args, dataDir);
}

/** Starts a server in its own session, output to its log, so it outlives the command that started it. */
export function spawnDetached(cmd: CommandLine, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd.bin, [...cmd.args], { detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Runs a one-off command to completion, output to a log; resolves with its exit code. */
export function runLogged(cmd: CommandLine, logFile: string): Promise<number> {
  const fd = openSync(logFile, 'a');
  return new Promise<number>((resolve, reject) => {
    const child = spawn(cmd.bin, [...cmd.args], { stdio: ['ignore', fd, fd] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  }).finally(() => closeSync(fd));
}

/** SIGTERM, then SIGKILL after the grace period; resolves once the process is gone. */
export async function stopProcess(
  pid: number,
  dataDir: string,
  graceMs = 30_000,
): Promise<'stopped' | 'killed' | 'gone'> {
  if (!(await isOurProcess(pid, dataDir))) return 'gone';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(100);
    if (!(await isOurProcess(pid, dataDir))) return 'stopped';
  }
  if (await isOurProcess(pid, dataDir)) process.kill(pid, 'SIGKILL');
  while (await isOurProcess(pid, dataDir)) await sleep(100);
  return 'killed';
}
