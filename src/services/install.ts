import { spawn } from 'node:child_process';
import { ServiceError } from './errors.ts';
import { findExecutable } from './binaries.ts';

/** The Debian package that provides each thing Hydra may need. */
export const DEBIAN_PACKAGES = {
  'nats-server': 'nats-server',
  mariadbd: 'mariadb-server',
  'mariadb-install-db': 'mariadb-server',
  torch: 'python3-torch',
  chromium: 'chromium',
  alertmanager: 'prometheus-alertmanager',
  gcc: 'gcc',
  libnats: 'libnats-dev',
  jsonschema: 'python3-jsonschema',
} as const;
export type Installable = keyof typeof DEBIAN_PACKAGES;

export type InstallPlan =
  | { readonly kind: 'nothing' }
  /** Root with apt-get: run these, in order. */
  | { readonly kind: 'apt'; readonly packages: readonly string[]; readonly commands: readonly (readonly string[])[] }
  /** Cannot install from here: the one command a person should run. */
  | { readonly kind: 'manual'; readonly packages: readonly string[]; readonly command: string };

export interface InstallAbility {
  readonly isRoot: boolean;
  readonly hasAptGet: boolean;
}

export function packagesFor(missing: readonly Installable[]): string[] {
  return [...new Set(missing.map((m) => DEBIAN_PACKAGES[m]))];
}

/** What to do about missing things: install them with apt-get when root, else name the command. */
export function installPlan(missing: readonly Installable[], can: InstallAbility): InstallPlan {
  const packages = packagesFor(missing);
  if (packages.length === 0) return { kind: 'nothing' };
  const install = ['apt-get', 'install', '-y', ...packages];
  if (can.hasAptGet && can.isRoot) return { kind: 'apt', packages, commands: [['apt-get', 'update'], install] };
  if (can.hasAptGet) return { kind: 'manual', packages, command: `sudo apt-get update && sudo ${install.join(' ')}` };
  return {
    kind: 'manual',
    packages,
    command: `install ${packages.join(', ')} (Debian package names) with this system's package manager`,
  };
}

export async function installAbility(): Promise<InstallAbility> {
  return {
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasAptGet: (await findExecutable('apt-get')) !== undefined,
  };
}

let aptUpdated = false;
const STANDARD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function runInherited(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const [bin, ...args] = argv;
    if (!bin) return resolve(0);
    const child = spawn(bin, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      // dpkg's maintainer scripts expect the standard directories on PATH, whatever ours is.
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', PATH: `${process.env.PATH ?? ''}:${STANDARD_PATH}` },
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * Installs the Debian packages for what is missing when this process can (root, apt-get); otherwise throws
 * a ServiceError whose message is the exact command to run. `apt-get update` runs once per process.
 */
export async function installMissing(missing: readonly Installable[], log: (line: string) => void): Promise<string[]> {
  const plan = installPlan(missing, await installAbility());
  if (plan.kind === 'nothing') return [];
  if (plan.kind === 'manual') {
    throw new ServiceError(
      'HYDRA_SERVICE_BINARY_MISSING',
      `missing ${plan.packages.join(', ')}; run:\n  ${plan.command}`,
    );
  }
  for (const argv of plan.commands) {
    if (argv[1] === 'update' && aptUpdated) continue;
    log(`running: ${argv.join(' ')}`);
    const code = await runInherited(argv);
    if (code !== 0) {
      throw new ServiceError('HYDRA_SERVICE_INSTALL_FAILED', `${argv.join(' ')} exited with ${code}`);
    }
    if (argv[1] === 'update') aptUpdated = true;
  }
  return [...plan.packages];
}
