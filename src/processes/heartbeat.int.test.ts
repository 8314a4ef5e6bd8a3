import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEnv, type TestEnv } from '../../test/support/env.ts';
import { openHydra, type Hydra } from '../context.ts';
import { allProjections } from '../projections/index.ts';
import { heartbeatSchema, startHeartbeat } from './heartbeat.ts';
import { projectionsRole } from '../workers/projections.ts';
import type { RunningRole } from '../workers/role.ts';

let env: TestEnv;
let hydra: Hydra;
let role: RunningRole;

beforeAll(async () => {
  env = await openTestEnv('heartbeat');
  hydra = await openHydra(env.config, { producer: 'test' });
  role = await projectionsRole.start(hydra, () => undefined);
});
afterAll(async () => {
  await role?.stop();
  await hydra?.close();
  await env?.cleanup();
});

describe('heartbeat', () => {
  it("carries the state of each of a role's durable consumers, as the Status page reads it", async () => {
    const beat = startHeartbeat(hydra.status, new Map([['projections', role]]), 200);
    try {
      let consumers: { durable: string; state: string }[] = [];
      for (let i = 0; i < 100; i++) {
        const entry = await hydra.status.get(`proc.${os.hostname().replace(/[^A-Za-z0-9_-]/g, '_')}.${process.pid}`);
        if (entry?.string()) {
          const hb = heartbeatSchema.parse(JSON.parse(entry.string()));
          consumers = hb.stats.projections?.consumers ?? [];
          if (consumers.length === allProjections.length && consumers.every((c) => c.state === 'consuming')) break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(consumers.map((c) => c.durable).sort()).toEqual(
        allProjections.map((p) => hydra.log.names.consumer(`proj_${p.name}`)).sort(),
      );
      expect(new Set(consumers.map((c) => c.state))).toEqual(new Set(['consuming']));
    } finally {
      await beat.stop();
    }
  });
});
