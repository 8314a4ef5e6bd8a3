import os from 'node:os';
import { databaseName, type Config } from '../config.ts';
import { mariadbUrlFor, redactUrl, servicesLayout, type ServicesLayout } from './commands.ts';
import { startMariadb, startNats, waitUntilAnswers, type StartContext } from './embedded.ts';
import { withLock } from './lock.ts';
import { probeMysql, probeNats, type ProbeResult } from './probe.ts';
import { isOurProcess, stopProcess } from './proc.ts';
import { resolveService, type ServiceFacts } from './resolve.ts';
import {
  preferredPort,
  readState,
  withServer,
  writeState,
  type EmbeddedServer,
  type ServiceName,
  type ServicesState,
} from './state.ts';

/** Where one service is being used from. */
export interface ServiceEndpoint {
  readonly name: ServiceName;
  /** The URL to connect to; for MariaDB it carries the configured database name. */
  readonly url: string;
  readonly source: 'configured' | 'embedded';
  /** True when this call started the server. */
  readonly started: boolean;
  readonly server?: EmbeddedServer;
}

export interface Services {
  readonly natsUrl: string;
  readonly databaseUrl: string;
  readonly nats: ServiceEndpoint;
  readonly mariadb: ServiceEndpoint;
}

export interface ServicesOptions {
  readonly log?: (line: string) => void;
  /** How long a fresh server may take to answer (default 60 s). */
  readonly startTimeoutMs?: number;
}

interface ServiceSpec {
  readonly name: ServiceName;
  readonly label: string;
  readonly envKey: 'NATS_URL' | 'DATABASE_URL';
  readonly probe: (url: string) => Promise<ProbeResult>;
  readonly start: (ctx: StartContext) => Promise<EmbeddedServer>;
  /** The URL clients use for an embedded server. */
  readonly urlOf: (server: EmbeddedServer, config: Config) => string;
}

const SPECS: readonly ServiceSpec[] = [
  {
    name: 'nats',
    label: 'NATS',
    envKey: 'NATS_URL',
    probe: (u) => probeNats(u),
    start: startNats,
    urlOf: (s) => s.url,
  },
  {
    name: 'mariadb',
    label: 'MariaDB',
    envKey: 'DATABASE_URL',
    probe: (u) => probeMysql(u),
    start: startMariadb,
    urlOf: (s, c) => mariadbUrlFor(s.port, c.DATABASE_URL),
  },
];

export const layoutFor = (config: Config): ServicesLayout => servicesLayout(config.HYDRA_VAR_DIR, os.tmpdir());
const asRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

async function rememberedFacts(spec: ServiceSpec, state: ServicesState): Promise<ServiceFacts['remembered']> {
  const server = state[spec.name];
  if (!server) return undefined;
  const ours = await isOurProcess(server.pid, server.dataDir);
  const answers = ours ? (await spec.probe(server.url)).answers : false;
  return { server, ours, answers };
}

/** Runs the embedded half of the resolution for one service, holding the lock; returns the state to keep. */
async function ensureEmbedded(
  spec: ServiceSpec,
  config: Config,
  configured: ProbeResult,
  layout: ServicesLayout,
  opts: ServicesOptions,
): Promise<ServiceEndpoint> {
  const log = opts.log ?? (() => undefined);
  const { state } = await readState(layout.stateFile);
  const decision = resolveService({ configured, remembered: await rememberedFacts(spec, state) });
  const endpoint = (server: EmbeddedServer, started: boolean): ServiceEndpoint => ({
    name: spec.name,
    url: spec.urlOf(server, config),
    source: 'embedded',
    started,
    server,
  });
  if (decision.kind === 'reuse') {
    log(
      `${spec.label}: using the embedded server Hydra started (pid ${decision.server.pid}) at ${spec.urlOf(decision.server, config)}`,
    );
    return endpoint(decision.server, false);
  }
  if (decision.kind === 'wait') {
    const waited = await waitUntilAnswers(() => spec.probe(decision.server.url), opts.startTimeoutMs ?? 30_000);
    if (waited.answers) return endpoint(decision.server, false);
    log(
      `${spec.label}: the embedded server (pid ${decision.server.pid}) does not answer (${waited.reason}); restarting it`,
    );
    await stopProcess(decision.server.pid, decision.server.dataDir);
  }
  const ctx: StartContext = {
    layout,
    asRoot: asRoot(),
    log,
    startTimeoutMs: opts.startTimeoutMs,
    preferredPort: preferredPort(state, spec.name),
  };
  const server = await spec.start(ctx);
  const fresh = await readState(layout.stateFile);
  await writeState(layout.stateFile, withServer(fresh.state, spec.name, server));
  log(`${spec.label}: started pid ${server.pid} at ${spec.urlOf(server, config)} (log ${server.logFile})`);
  return endpoint(server, true);
}

/**
 * The NATS and MariaDB URLs to use, starting embedded servers only where needed: the configured URL when it
 * answers, else the embedded server remembered under var/services/ when it answers, else a new one.
 * Nothing that answers is ever restarted, so every command (`hydra up`, `hydra migrate`, tests) may call it.
 */
export async function ensureServices(config: Config, opts: ServicesOptions = {}): Promise<Services> {
  databaseName(config.DATABASE_URL); // a URL without a database name is a configuration error, not a fallback
  const log = opts.log ?? (() => undefined);
  const probes = await Promise.all(SPECS.map((s) => s.probe(config[s.envKey])));
  const out = new Map<ServiceName, ServiceEndpoint>();
  const pending: [ServiceSpec, ProbeResult][] = [];
  SPECS.forEach((spec, i) => {
    const p = probes[i] ?? { answers: false };
    if (p.answers) {
      out.set(spec.name, { name: spec.name, url: config[spec.envKey], source: 'configured', started: false });
      log(`${spec.label}: using ${spec.envKey} ${redactUrl(config[spec.envKey])}`);
    } else {
      log(`${spec.label}: ${spec.envKey} ${redactUrl(config[spec.envKey])} does not answer (${p.reason})`);
      pending.push([spec, p]);
    }
  });
  if (pending.length > 0) {
    const layout = layoutFor(config);
    await withLock(layout.lockFile, async () => {
      for (const [spec, p] of pending) out.set(spec.name, await ensureEmbedded(spec, config, p, layout, opts));
    });
  }
  const nats = out.get('nats');
  const mariadb = out.get('mariadb');
  if (!nats || !mariadb) throw new Error('ensureServices: a service was left unresolved');
  return { natsUrl: nats.url, databaseUrl: mariadb.url, nats, mariadb };
}

/** The configuration with NATS_URL and DATABASE_URL pointing where the services actually are. */
export function configWithServices(config: Config, services: Pick<Services, 'natsUrl' | 'databaseUrl'>): Config {
  return { ...config, NATS_URL: services.natsUrl, DATABASE_URL: services.databaseUrl };
}
