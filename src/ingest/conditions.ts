import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { wholeNumber } from '../events/define.ts';

/**
 * Run conditions: what online monitoring knows about the run while it writes a chunk's plots. Online
 * monitoring (and our simulator) writes them as the `run.json` sidecar beside the images; ingest reads them with this schema.
 */
export const runConditionsSchema = z.object({
  run: wholeNumber.describe('run number'),
  runPeriod: z.string().min(1).max(64).describe('run period, e.g. RunPeriod-2019-11'),
  beamCurrent: z.number().min(0).max(10_000).describe('electron beam current during the latest chunk, nA'),
  time: z.iso.datetime({ offset: true }).describe('when the latest chunk was taken (ISO 8601)'),
  chunk: wholeNumber.optional().describe('the latest chunk written for this run'),
  events: z.number().int().min(0).optional().describe('triggers in the latest chunk'),
  status: z.enum(['running', 'ended']).optional().describe('ended once the run has finished'),
});
export type RunConditions = z.infer<typeof runConditionsSchema>;

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
