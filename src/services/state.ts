import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** One server Hydra started: enough to find it again, check it, and stop only it. */
export const embeddedServerSchema = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  url: z.string().min(1),
  /** The data directory on its command line: proves a pid is still ours before we signal it. */
  dataDir: z.string().min(1),
  logFile: z.string().min(1),
  startedAt: z.string().datetime(),
});
export type EmbeddedServer = z.infer<typeof embeddedServerSchema>;

const portSchema = z.number().int().min(1).max(65535);

export const servicesStateSchema = z.object({
  version: z.literal(1),
  nats: embeddedServerSchema.optional(),
  mariadb: embeddedServerSchema.optional(),
  /** Ports of servers since stopped: a restart takes the same one when it is free, so URLs stay put. */
  lastPorts: z.object({ nats: portSchema.optional(), mariadb: portSchema.optional() }).optional(),
});
export type ServicesState = z.infer<typeof servicesStateSchema>;
export type ServiceName = 'nats' | 'mariadb';

export const EMPTY_STATE: ServicesState = { version: 1 };

export type StateParse =
  | { readonly ok: true; readonly state: ServicesState }
  | { readonly ok: false; readonly state: ServicesState; readonly problem: string };

/** Parses the state file's text; anything unreadable yields the empty state and says why. */
export function parseState(text: string | undefined): StateParse {
  if (text === undefined || text.trim() === '') return { ok: true, state: EMPTY_STATE };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, state: EMPTY_STATE, problem: `not JSON: ${(err as Error).message}` };
  }
  const parsed = servicesStateSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, state: EMPTY_STATE, problem: why };
  }
  return { ok: true, state: parsed.data };
}

export async function readState(file: string): Promise<StateParse> {
  try {
    return parseState(await readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, state: EMPTY_STATE };
    throw err;
  }
}

/** Writes via a temporary file and rename, so a reader never sees half a file. */
export async function writeState(file: string, state: ServicesState): Promise<void> {
  const valid = servicesStateSchema.parse(state);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(valid, null, 2)}\n`);
  await rename(tmp, file);
}

/** The state with `name` set to `server`, or forgotten (its port kept in lastPorts) when undefined. */
export function withServer(state: ServicesState, name: ServiceName, server: EmbeddedServer | undefined): ServicesState {
  const next: ServicesState = { ...state };
  const old = state[name];
  if (server) next[name] = server;
  else delete next[name];
  if (!server && old) next.lastPorts = { ...state.lastPorts, [name]: old.port };
  return next;
}

/** The port a new server for `name` should try first. */
export const preferredPort = (state: ServicesState, name: ServiceName): number | undefined =>
  state[name]?.port ?? state.lastPorts?.[name];
