import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runConditionsSchema, type RunConditions } from '../../fixtures/generator/conditions.ts';

export { runConditionsSchema, type RunConditions };

export const SIDECAR = 'run.json';

export interface RunInfo {
  readonly run: number;
  readonly runPeriod?: string;
  readonly from: 'sidecar' | 'directory' | 'file-name' | 'unknown';
}

/** Run number from a directory name such as `run101072`, `Run_101072`, `run-101072` or `101072`. */
export function runFromDirectoryName(dir: string): number | undefined {
  const m = /^(?:run[-_]?)?(\d{1,9})$/i.exec(path.basename(dir));
  return m ? Number(m[1]) : undefined;
}

/**
 * Where a file's run comes from, first found wins: a `run.json` sidecar in its directory or any
 * directory above it up to the inbox, then a directory name, then the file name's `run` capture.
 */
export async function runInfoFor(filePath: string, inbox: string, fromName?: number): Promise<RunInfo> {
  const root = path.resolve(inbox);
  let dir = path.dirname(path.resolve(filePath));
  const dirs: string[] = [];
  while (dir.startsWith(root)) {
    dirs.push(dir);
    if (dir === root) break;
    dir = path.dirname(dir);
  }
  for (const d of dirs) {
    const sidecar = await readSidecar(path.join(d, SIDECAR));
    if (sidecar) return { run: sidecar.run, runPeriod: sidecar.runPeriod, from: 'sidecar' };
  }
  for (const d of dirs) {
    if (d === root) break;
    const run = runFromDirectoryName(d);
    if (run !== undefined) return { run, from: 'directory' };
  }
  if (fromName !== undefined) return { run: fromName, from: 'file-name' };
  return { run: 0, from: 'unknown' };
}

// A run directory holds hundreds of images and one sidecar: read it once a second, not once an image.
const sidecarCache = new Map<string, { at: number; value: Promise<RunConditions | null> }>();
const SIDECAR_TTL_MS = 1000;

function readSidecar(file: string): Promise<RunConditions | null> {
  const now = Date.now();
  const hit = sidecarCache.get(file);
  if (hit && now - hit.at < SIDECAR_TTL_MS) return hit.value;
  if (sidecarCache.size > 1000) sidecarCache.clear();
  const value = readSidecarNow(file);
  sidecarCache.set(file, { at: now, value });
  return value;
}

async function readSidecarNow(file: string): Promise<RunConditions | null> {
  try {
    const parsed = runConditionsSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
