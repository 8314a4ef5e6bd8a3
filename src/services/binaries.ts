import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

// Debian puts servers in sbin, which an ordinary user's PATH often lacks.
export const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'] as const;

/** Every place `name` may be, in search order: PATH first, then the sbin directories. */
export function candidatePaths(name: string, pathEnv: string | undefined): string[] {
  if (name.includes('/')) return [name];
  const dirs = [...(pathEnv ?? '').split(path.delimiter).filter((d) => d !== ''), ...SBIN_DIRS];
  return [...new Set(dirs.map((d) => path.join(d, name)))];
}

const isExecutable = (file: string): Promise<boolean> =>
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );

/** The first executable called `name` on PATH or in sbin, or undefined. */
export async function findExecutable(name: string, pathEnv = process.env.PATH): Promise<string | undefined> {
  for (const file of candidatePaths(name, pathEnv)) {
    if (await isExecutable(file)) return file;
  }
  return undefined;
}

/** The first of several names that is found (e.g. chromium under its various names). */
export async function findFirstExecutable(
  names: readonly string[],
  pathEnv = process.env.PATH,
): Promise<string | undefined> {
  for (const name of names) {
    const found = await findExecutable(name, pathEnv);
    if (found) return found;
  }
  return undefined;
}

export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'] as const;

/** The browser the page tests drive: Debian's chromium, or another Chrome found on PATH. */
export const findChromium = (pathEnv = process.env.PATH): Promise<string | undefined> =>
  findFirstExecutable(CHROMIUM_NAMES, pathEnv);

export const ALERTMANAGER_NAMES = ['prometheus-alertmanager', 'alertmanager'] as const;

/** Prometheus Alertmanager (Debian names it prometheus-alertmanager): the alarm tests run a real one. */
export const findAlertmanager = (pathEnv = process.env.PATH): Promise<string | undefined> =>
  findFirstExecutable(ALERTMANAGER_NAMES, pathEnv);

/** A Python interpreter that imports torch, and the torch version it reports. */
export interface TorchPython {
  readonly python: string;
  readonly torchVersion: string;
}

/** Where to look for the trainer's Python, in order: HYDRA_PYTHON, Debian's /usr/bin/python3, python3 on PATH. */
export function torchPythonCandidates(hydraPython: string | undefined, pathPython: string | undefined): string[] {
  const list = [hydraPython, '/usr/bin/python3', pathPython].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
  return [...new Set(list)];
}

const TORCH_PROBE = 'import torch; print(torch.__version__)';

function torchVersionOf(python: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['-c', TORCH_PROBE], { timeout: timeoutMs }, (err, stdout) => {
      const version = stdout.trim().split('\n').pop() ?? '';
      resolve(err || version === '' ? undefined : version);
    });
  });
}

const torchCache = new Map<string, Promise<TorchPython | undefined>>();

/** Forgets cached answers, e.g. after installing python3-torch. */
export function forgetTorchPython(): void {
  torchCache.clear();
}

/**
 * The first interpreter that imports torch, looking at HYDRA_PYTHON, then /usr/bin/python3, then python3
 * on PATH; undefined when none does. Importing torch takes a second or more, so the answer is cached.
 */
export function findTorchPython(
  hydraPython = process.env.HYDRA_PYTHON,
  pathEnv = process.env.PATH,
): Promise<TorchPython | undefined> {
  const key = `${hydraPython ?? ''}\0${pathEnv ?? ''}`;
  let found = torchCache.get(key);
  if (!found) {
    found = (async () => {
      const pathPython = await findExecutable('python3', pathEnv);
      for (const python of torchPythonCandidates(hydraPython, pathPython)) {
        const torchVersion = await torchVersionOf(python, 60_000);
        if (torchVersion) return { python, torchVersion };
      }
      return undefined;
    })();
    torchCache.set(key, found);
  }
  return found;
}

/** What the outside-reader test builds and runs with: gcc, Debian's libnats (C) headers, python3-jsonschema. */
export interface OutsideReaderTools {
  readonly gcc: string | undefined;
  readonly libnatsHeader: string | undefined;
  readonly jsonschema: boolean;
}

export const LIBNATS_HEADERS = ['/usr/include/nats/nats.h', '/usr/local/include/nats/nats.h'] as const;
/** Debian's python3-jsonschema is a module of Debian's Python. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export async function findOutsideReaderTools(pathEnv = process.env.PATH): Promise<OutsideReaderTools> {
  const headers = await Promise.all(
    LIBNATS_HEADERS.map((h) =>
      access(h, constants.R_OK).then(
        () => h,
        () => undefined,
      ),
    ),
  );
  const jsonschema = new Promise<boolean>((resolve) => {
    execFile(DEBIAN_PYTHON, ['-c', 'import jsonschema'], { timeout: 30_000 }, (err) => resolve(!err));
  });
  return {
    gcc: await findExecutable('gcc', pathEnv),
    libnatsHeader: headers.find((h) => h !== undefined),
    jsonschema: await jsonschema,
  };
}
