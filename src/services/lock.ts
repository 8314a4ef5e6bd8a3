import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ServiceError } from './errors.ts';
import { sleep } from './proc.ts';

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Runs `fn` holding an exclusive lock file (it holds the owner's pid): two commands sharing one var/
 * directory must not both start a mariadbd on the same data directory. A lock whose owner died is taken over.
 */
export async function withLock<T>(file: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  await mkdir(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const h = await open(file, 'wx');
      await h.writeFile(String(process.pid));
      await h.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new ServiceError(
        'HYDRA_SERVICE_LOCKED',
        `${file} is held by pid ${owner}; another hydra command is starting services`,
      );
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    await unlink(file).catch(() => undefined);
  }
}
