import { createHash } from 'node:crypto';
import path from 'node:path';

/** Where the embedded services keep everything, under `$HYDRA_VAR_DIR/services/`. */
export interface ServicesLayout {
  readonly dir: string;
  readonly stateFile: string;
  readonly lockFile: string;
  readonly natsStoreDir: string;
  readonly natsLog: string;
  readonly mariadbDataDir: string;
  readonly mariadbSocket: string;
  readonly mariadbLog: string;
  readonly mariadbInstallLog: string;
}

// A unix socket path may hold ~107 bytes; deep checkouts put the socket in the temp dir instead.
const MAX_SOCKET_PATH = 100;

export function servicesLayout(varDir: string, tmpDir: string): ServicesLayout {
  const dir = path.resolve(varDir, 'services');
  let socket = path.join(dir, 'mariadb.sock');
  if (socket.length > MAX_SOCKET_PATH) {
    const tag = createHash('sha256').update(dir).digest('hex').slice(0, 12);
    socket = path.join(tmpDir, `hydra-mariadb-${tag}.sock`);
  }
  return {
    dir,
    stateFile: path.join(dir, 'state.json'),
    lockFile: path.join(dir, 'lock'),
    natsStoreDir: path.join(dir, 'nats'),
    natsLog: path.join(dir, 'nats.log'),
    mariadbDataDir: path.join(dir, 'mariadb'),
    mariadbSocket: socket,
    mariadbLog: path.join(dir, 'mariadb.log'),
    mariadbInstallLog: path.join(dir, 'mariadb-install.log'),
  };
}

/** A program and its arguments, never passed through a shell. */
export interface CommandLine {
  readonly bin: string;
  readonly args: readonly string[];
}

export function natsServerCommand(bin: string, port: number, storeDir: string): CommandLine {
  return { bin, args: ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir] };
}

/** Creates the system tables once; root may log in over TCP without a password (the server listens on 127.0.0.1 only). */
export function mariadbInstallCommand(bin: string, dataDir: string, asRoot: boolean): CommandLine {
  return {
    bin,
    args: [
      // --no-defaults: the machine's /etc/mysql settings (user=mysql, its datadir) are not ours.
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...(asRoot ? ['--user=root'] : []),
    ],
  };
}

export function mariadbdCommand(
  bin: string,
  dataDir: string,
  socket: string,
  port: number,
  asRoot: boolean,
): CommandLine {
  return {
    bin,
    args: [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      ...(asRoot ? ['--user=root'] : []),
    ],
  };
}

export const natsUrlFor = (port: number): string => `nats://127.0.0.1:${port}`;

/** The embedded server's URL, carrying the database name the configuration asked for. */
export function mariadbUrlFor(port: number, configuredUrl: string): string {
  const name = new URL(configuredUrl).pathname.replace(/^\//, '');
  return `mysql://root@127.0.0.1:${port}/${name}`;
}

/** A URL fit for logs: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
