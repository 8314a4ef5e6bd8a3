import { startServer } from '../http/server.ts';
import type { Role } from './role.ts';

/** Serves the pages (Run, Log, Timeline, Status), /metrics, /healthz and /readyz. */
export const httpRole: Role = {
  name: 'http',
  description: 'serves the web pages, the live Run page stream and /metrics',
  async start(hydra, say) {
    // The roles list imports this module, so it is read when the server starts, not when this file loads.
    const { roles } = await import('./index.ts');
    const expected = roles.map((r) => r.name);
    const server = await startServer(hydra, { expectedRoles: () => expected });
    say(`http: pages at ${server.url}/`);
    return {
      stats: () => server.stats(),
      stop: () => server.close(),
    };
  },
};
