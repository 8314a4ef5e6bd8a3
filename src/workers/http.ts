import { startServer } from '../http/server.ts';
import { allows } from '../accounts/roles.ts';
import { openIngestor } from '../ingest/open.ts';
import type { Role } from './role.ts';

/** Serves the pages (Run, Log, Timeline, Status), /metrics, /healthz and /readyz. */
export const httpRole: Role = {
  name: 'http',
  description: 'serves the web pages, the live Run page stream and /metrics',
  async start(hydra, say) {
    // The roles list imports this module, so it is read when the server starts, not when this file loads.
    const { roles } = await import('./index.ts');
    const expected = roles.map((r) => r.name);
    // Uploads go through the same Ingestor (same checks, same events) as the inbox feeder.
    const { ingestor, plotTypes } = await openIngestor(hydra, 'upload');
    const server = await startServer(hydra, {
      expectedRoles: () => expected,
      upload: {
        ingestor,
        maxBytes: hydra.config.HYDRA_MAX_IMAGE_BYTES,
      },
    });
    say(`http: pages at ${server.url}/`);
    // First start: nobody can sign in to manage users until there is an Admin.
    const everyone = await server.app.accounts.allUsers();
    if (!everyone.some((u) => !u.disabled && allows(u.roles, 'admin')))
      say(
        `http: there is no Admin yet. Make one: npx hydra users add <name> --role admin   then sign in at ${server.url}/signin`,
      );
    return {
      stats: () => server.stats(),
      async stop() {
        await server.close();
        await plotTypes.close();
      },
    };
  },
};
