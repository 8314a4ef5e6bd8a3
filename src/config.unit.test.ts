import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, configReference, loadConfig, unknownSettings } from './config.ts';

describe('configuration', () => {
  it('fills defaults and reports every bad setting at once', () => {
    expect(loadConfig({}).HYDRA_NAMESPACE).toBe('hydra');
    try {
      loadConfig({ HYDRA_NAMESPACE: 'Bad Name', HYDRA_HTTP_PORT: 'x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/HYDRA_NAMESPACE/);
      expect((err as Error).message).toMatch(/HYDRA_HTTP_PORT/);
    }
  });

  it('is documented in the README exactly as the schema says', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configReference());
  });

  it('takes numbers only as plain decimal digits within their bounds', () => {
    expect(loadConfig({ HYDRA_HTTP_PORT: '8093', HYDRA_STALE_MINUTES: '2.5' })).toMatchObject({
      HYDRA_HTTP_PORT: 8093,
      HYDRA_STALE_MINUTES: 2.5,
    });
    for (const bad of ['0x1f90', ' 8093', '8e3', '-1', '65536', '80.5']) {
      expect(() => loadConfig({ HYDRA_HTTP_PORT: bad }), bad).toThrow(/HYDRA_HTTP_PORT: .*from 0 to 65535/);
    }
    expect(() => loadConfig({ HYDRA_INGEST_CONCURRENCY: '0' })).toThrow(/HYDRA_INGEST_CONCURRENCY: .*from 1 to 256/);
    expect(() => loadConfig({ HYDRA_STALE_MINUTES: '0' })).toThrow(/HYDRA_STALE_MINUTES: .*above 0/);
  });

  it('names the HYDRA_ variables it ignores, with the setting a typo meant', () => {
    const warnings = unknownSettings({
      HYDRA_HTTP_PROT: '1',
      HYDRA_HTTP_PORT: '1',
      HYDRA_BENCH_ROUNDS: '3',
      HYDRA_SOMETHING_ELSE_ENTIRELY: 'x',
      PATH: '/bin',
    });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^HYDRA_HTTP_PROT is not a Hydra setting \(did you mean HYDRA_HTTP_PORT\?\)/);
    expect(warnings[1]).toMatch(/^HYDRA_SOMETHING_ELSE_ENTIRELY is not a Hydra setting; it is ignored/);
  });
});
