import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../config.ts';
import { uniqueId } from '../../test/support/env.ts';

const bin = fileURLToPath(new URL('../../bin/hydra.js', import.meta.url));
let varDir: string;

beforeAll(async () => {
  varDir = await mkdtemp(path.join(os.tmpdir(), 'hydra-worker-'));
});
afterAll(async () => rm(varDir, { recursive: true, force: true }));

/** Runs `hydra worker ROLE` until it exits by itself (it must: nothing here lets it start). */
function worker(role: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, 'worker', role],
      {
        env: { ...process.env, HYDRA_VAR_DIR: varDir, HYDRA_NAMESPACE: uniqueId('worker').replace(/_/g, '-'), ...env },
        timeout: 120_000,
      },
      (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
}

describe('a worker that cannot start', () => {
  it('exits non-zero, naming the reason, when MariaDB does not answer, and starts no MariaDB of its own', async () => {
    const r = await worker('projections', {
      NATS_URL: inject('natsUrl'),
      DATABASE_URL: 'mysql://root@127.0.0.1:1/hydra_nowhere',
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/MariaDB \(DATABASE_URL\) does not answer.*a worker never starts its own/);
    expect(existsSync(path.join(varDir, 'services'))).toBe(false);
  });

  it('exits non-zero when the database refuses it', async () => {
    // The server answers, but refuses a database name longer than 64 characters.
    const r = await worker('projections', {
      NATS_URL: inject('natsUrl'),
      DATABASE_URL: withDatabase(inject('databaseUrl'), `hydra_${'x'.repeat(70)}`),
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/hydra: Incorrect database name .*\[ER_WRONG_DB_NAME\]/);
  });
});
