import type { Config } from '../config.ts';
import { mariadbUrlFor, redactUrl } from './commands.ts';
import { layoutFor, type ServiceEndpoint, type ServicesOptions } from './ensure.ts';
import { withLock } from './lock.ts';
import { probeMysql, probeNats, type ProbeResult } from './probe.ts';
import { isOurProcess, portIsClosed, stopProcess } from './proc.ts';
import { readState, withServer, writeState, type EmbeddedServer, type ServiceName } from './state.ts';

/** One line of `hydra services status`: a place a service may be, and whether it answers there. */
export interface ServiceStatus {
  readonly name: ServiceName;
  readonly where: 'configured' | 'embedded';
  readonly url: string;
  readonly answers: boolean;
  readonly reason?: string;
  readonly pid?: number;
  /** For embedded servers: whether the remembered pid is still our server. */
  readonly running?: boolean;
  readonly logFile?: string;
  /** The place `ensureServices` would use now. */
  readonly inUse: boolean;
}

const PROBES: Record<ServiceName, (url: string) => Promise<ProbeResult>> = {
  nats: (u) => probeNats(u),
  mariadb: (u) => probeMysql(u),
};
const NAMES: readonly ServiceName[] = ['nats', 'mariadb'];
const configuredUrl = (config: Config, name: ServiceName): string =>
  name === 'nats' ? config.NATS_URL : config.DATABASE_URL;
const embeddedUrl = (config: Config, name: ServiceName, s: EmbeddedServer): string =>
  name === 'nats' ? s.url : mariadbUrlFor(s.port, config.DATABASE_URL);

export interface ServicesReport {
  readonly rows: readonly ServiceStatus[];
  /** Why the state file could not be read, when it could not (it is then treated as empty). */
  readonly stateProblem?: string;
}

/** Every place each service may be (configured URL, remembered embedded server), checked, without starting anything. */
export async function servicesStatus(config: Config): Promise<ServicesReport> {
  const parse = await readState(layoutFor(config).stateFile);
  const { state } = parse;
  const rows = await Promise.all(
    NAMES.map(async (name): Promise<ServiceStatus[]> => {
      const url = configuredUrl(config, name);
      const c = await PROBES[name](url);
      const out: ServiceStatus[] = [
        { name, where: 'configured', url: redactUrl(url), answers: c.answers, reason: c.reason, inUse: c.answers },
      ];
      const s = state[name];
      if (s) {
        const running = await isOurProcess(s.pid, s.dataDir);
        const e = running ? await PROBES[name](s.url) : { answers: false, reason: 'not running' };
        out.push({
          name,
          where: 'embedded',
          url: embeddedUrl(config, name, s),
          answers: e.answers,
          reason: e.reason,
          pid: s.pid,
          running,
          logFile: s.logFile,
          inUse: !c.answers && e.answers,
        });
      }
      return out;
    }),
  );
  return parse.ok ? { rows: rows.flat() } : { rows: rows.flat(), stateProblem: parse.problem };
}

/** Without starting anything: the endpoints `ensureServices` would use now, or undefined where it would start one. */
export async function findServices(config: Config): Promise<Partial<Record<ServiceName, ServiceEndpoint>>> {
  const found: Partial<Record<ServiceName, ServiceEndpoint>> = {};
  for (const row of (await servicesStatus(config)).rows) {
    if (!row.inUse) continue;
    const url = row.where === 'configured' ? configuredUrl(config, row.name) : row.url;
    found[row.name] = { name: row.name, url, source: row.where, started: false };
  }
  return found;
}

export interface StopResult {
  readonly name: ServiceName;
  readonly pid: number;
  readonly port: number;
  readonly outcome: 'stopped' | 'killed' | 'gone';
  readonly portClosed: boolean;
}

/** Stops the servers Hydra started (and only those: a pid is signalled only while it still runs on our data directory). */
export async function stopServices(config: Config, opts: ServicesOptions = {}): Promise<StopResult[]> {
  const log = opts.log ?? (() => undefined);
  const layout = layoutFor(config);
  return withLock(layout.lockFile, async () => {
    let { state } = await readState(layout.stateFile);
    const results: StopResult[] = [];
    for (const name of NAMES) {
      const s = state[name];
      if (!s) continue;
      const outcome = await stopProcess(s.pid, s.dataDir);
      const portClosed = await portIsClosed(s.port);
      log(
        `${name}: pid ${s.pid} ${outcome === 'gone' ? 'was not running' : outcome}; port ${s.port} ${portClosed ? 'free' : 'still answers'}`,
      );
      results.push({ name, pid: s.pid, port: s.port, outcome, portClosed });
      state = withServer(state, name, undefined);
      await writeState(layout.stateFile, state);
    }
    return results;
  });
}
