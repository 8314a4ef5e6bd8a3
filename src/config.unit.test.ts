import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ConfigError, configReference, loadConfig } from './config.ts';

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
});
