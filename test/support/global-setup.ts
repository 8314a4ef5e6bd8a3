import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.ts';

// Every test run shares the servers found (or started) here, and makes its own names inside them.
export default async function setup(project: TestProject): Promise<void> {
  const config = loadConfig();
  project.provide('natsUrl', config.NATS_URL);
  project.provide('databaseUrl', config.DATABASE_URL);
}

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
    databaseUrl: string;
  }
}
