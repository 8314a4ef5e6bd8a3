import { constants, type Stats } from 'node:fs';
import { copyFile, lstat, mkdir, open, readlink, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Moves a file, across file systems too, creating the target directory; never overwrites. A link is moved as
 * a link (never followed), and across file systems a FIFO, socket or device is only taken away: nothing of
 * theirs can be copied.
 */
export async function moveFile(from: string, to: string): Promise<string> {
  await mkdir(path.dirname(to), { recursive: true });
  const target = await freeName(to);
  try {
    await rename(from, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const st = await lstat(from);
    if (st.isSymbolicLink()) await symlink(await readlink(from), target);
    else if (st.isFile()) await copyFile(from, target);
    await unlink(from);
  }
  return target;
}

/** What kind of thing a directory entry is, in words, for the reason of a refusal. */
export function kindOf(st: Pick<Stats, 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isDirectory' | 'isFile'>): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return st.isFile() ? 'a regular file' : 'a device';
}

export type FileRead =
  | { readonly kind: 'read'; readonly bytes: Buffer }
  /** A link, FIFO, socket, device or directory: not opened for reading, never followed. */
  | { readonly kind: 'not-regular'; readonly what: string }
  /** Over the limit by its size on disk: not one byte read. */
  | { readonly kind: 'too-large'; readonly size: number }
  | { readonly kind: 'gone' };

/**
 * Reads a regular file of at most maxBytes, and nothing else: the final path component is never followed
 * (O_NOFOLLOW), a FIFO does not block the open (O_NONBLOCK) and is not read, and the size is taken with fstat
 * on the open file before any byte is read.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<FileRead> {
  let fh;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'gone' };
    if (code === 'ELOOP' || code === 'EMLINK') return { kind: 'not-regular', what: 'a symbolic link' };
    if (code === 'ENXIO') return { kind: 'not-regular', what: 'a socket' };
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { kind: 'not-regular', what: kindOf(st) };
    if (st.size > maxBytes) return { kind: 'too-large', size: st.size };
    // Exactly the size fstat gave: a file still growing cannot make us read past the limit.
    const bytes = Buffer.alloc(st.size);
    let at = 0;
    while (at < st.size) {
      const { bytesRead } = await fh.read(bytes, at, st.size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return { kind: 'read', bytes: at === st.size ? bytes : bytes.subarray(0, at) };
  } finally {
    await fh.close();
  }
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
