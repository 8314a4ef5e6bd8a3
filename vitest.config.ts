import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'fixtures/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Real PyTorch training and real browsers on 2 cores: generous limits, the assertions do the judging.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
