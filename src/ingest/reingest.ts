import { readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Ingestor } from './ingest.ts';
import { safeFileName } from './files.ts';

const keptMetaSchema = z.object({
  source: z.string(),
  fileName: z.string(),
  run: z.number().int().min(0),
  runPeriod: z.string().optional(),
  declared: z.object({ plotType: z.string(), pad: z.number().int(), chunk: z.number().int() }).optional(),
});

/**
 * Ingests again the kept images of a plot type that has just been defined (or every kept image at
 * start-up). Images whose type is still unknown stay where they are.
 */
export async function reingestUnassigned(
  ingestor: Ingestor,
  unassignedDir: string,
  plotName?: string,
  say?: (l: string) => void,
): Promise<number> {
  let dirs: string[];
  try {
    dirs = plotName ? [safeFileName(plotName)] : await readdir(unassignedDir);
  } catch {
    return 0;
  }
  let done = 0;
  for (const d of dirs) {
    let files: string[];
    try {
      files = (await readdir(path.join(unassignedDir, d))).filter((f) => !f.endsWith('.json'));
    } catch {
      continue;
    }
    for (const f of files) {
      const file = path.join(unassignedDir, d, f);
      try {
        const meta = keptMetaSchema.parse(JSON.parse(await readFile(`${file}.json`, 'utf8')));
        if (ingestor.resolve(meta).kind !== 'matched') continue; // its type is still unknown
        await ingestor.ingest(await readFile(file), meta, new Date());
        await Promise.all([unlink(file), unlink(`${file}.json`)]).catch(() => undefined);
        done++;
      } catch (err) {
        say?.(`ingest: could not re-ingest ${file}: ${(err as Error).message}`);
      }
    }
  }
  return done;
}
