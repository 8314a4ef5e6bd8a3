import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/config.ts';
import { ensureServices } from '../../src/services/index.ts';

// Every test run shares the servers found (or started) here, and makes its own names inside them:
// NATS_URL / DATABASE_URL when they answer, else Hydra's embedded servers under var/services/
// (started when needed, and left running for the next run: `hydra services down` stops them).
export default async function setup(project: TestProject): Promise<void> {
  const lines: string[] = [];
  const services = await ensureServices(loadConfig(), { log: (line) => lines.push(line) });
  if (services.nats.source === 'embedded' || services.mariadb.source === 'embedded') {
    for (const line of lines) console.log(`[services] ${line}`);
  }
  project.provide('natsUrl', services.natsUrl);
  project.provide('databaseUrl', services.databaseUrl);
}

declare module 'vitest' {
  export interface ProvidedContext {
    natsUrl: string;
    databaseUrl: string;
  }
}
