import { copyFile, mkdir, rename, unlink, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** Moves a file, across file systems too, creating the target directory; never overwrites. */
export async function moveFile(from: string, to: string): Promise<string> {
  await mkdir(path.dirname(to), { recursive: true });
  const target = await freeName(to);
  try {
    await rename(from, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, target);
    await unlink(from);
  }
  return target;
}

async function freeName(p: string): Promise<string> {
  const ext = path.extname(p);
  const base = p.slice(0, p.length - ext.length);
  for (let i = 0; ; i++) {
    const candidate = i === 0 ? p : `${base}.${i}${ext}`;
    try {
      await stat(candidate);
    } catch {
      return candidate;
    }
  }
}

export async function writeNew(p: string, data: string | Uint8Array): Promise<string> {
  await mkdir(path.dirname(p), { recursive: true });
  const target = await freeName(p);
  await writeFile(target, data);
  return target;
}

/** A name safe on any file system, for files we keep: no separators, no dot-dot, printable. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'file';
  const cleaned = base
    .replace(/[^\p{L}\p{N}._ -]/gu, '_')
    .replace(/^\.+/, '_')
    .slice(0, 180);
  return cleaned || 'file';
}
