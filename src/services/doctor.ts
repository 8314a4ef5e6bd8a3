import type { Config } from '../config.ts';
import {
  findAlertmanager,
  findChromium,
  findExecutable,
  findOutsideReaderTools,
  findTorchPython,
  forgetTorchPython,
  type OutsideReaderTools,
} from './binaries.ts';
import { redactUrl } from './commands.ts';
import { DEBIAN_PACKAGES, installAbility, installMissing, installPlan, type Installable } from './install.ts';
import { probeMysql, probeNats } from './probe.ts';

export const MIN_NODE_MAJOR = 20;

/** One thing Hydra needs on this machine, and whether it is there. */
export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to install when it is not ok; empty when nothing we can install helps. */
  readonly missing: readonly Installable[];
}

export function nodeCheck(version: string): DoctorCheck {
  const major = Number.parseInt(version.replace(/^v/, '').split('.')[0] ?? '', 10);
  const ok = Number.isInteger(major) && major >= MIN_NODE_MAJOR;
  return {
    name: 'node',
    ok,
    detail: `${version}${ok ? '' : `: Hydra needs Node ${MIN_NODE_MAJOR} or newer`}`,
    missing: [],
  };
}

/** A server is fine when its configured URL answers, or when the binaries to start our own are there. */
export function serverCheck(
  name: string,
  envKey: string,
  url: string,
  answers: boolean,
  bins: readonly (readonly [Installable, string | undefined])[],
): DoctorCheck {
  if (answers) return { name, ok: true, detail: `${envKey} ${redactUrl(url)} answers`, missing: [] };
  const missing = bins.filter(([, file]) => !file).map(([bin]) => bin);
  const found = bins.filter(([, file]) => file).map(([, file]) => file);
  return missing.length === 0
    ? { name, ok: true, detail: `${envKey} does not answer; Hydra starts its own (${found.join(', ')})`, missing }
    : {
        name,
        ok: false,
        detail: `${envKey} does not answer, and ${missing.join(', ')} not found to start one`,
        missing,
      };
}

/** The outside-reader test's C client (gcc, libnats-dev) and schema validator (python3-jsonschema). */
export function outsideReaderCheck(tools: OutsideReaderTools): DoctorCheck {
  const missing: Installable[] = [
    ...(tools.gcc ? [] : (['gcc'] as const)),
    ...(tools.libnatsHeader ? [] : (['libnats'] as const)),
    ...(tools.jsonschema ? [] : (['jsonschema'] as const)),
  ];
  return missing.length === 0
    ? { name: 'outside reader', ok: true, detail: `${tools.gcc}, ${tools.libnatsHeader}, python3 jsonschema`, missing }
    : {
        name: 'outside reader',
        ok: false,
        detail: `the test of a reader in C and Python lacks ${missing.map((m) => DEBIAN_PACKAGES[m]).join(', ')}`,
        missing,
      };
}

export async function collectChecks(config: Config): Promise<DoctorCheck[]> {
  const [nats, db, natsBin, mariadbd, installDb, torch, chromium, alertmanager, outside] = await Promise.all([
    probeNats(config.NATS_URL),
    probeMysql(config.DATABASE_URL),
    findExecutable('nats-server'),
    findExecutable('mariadbd'),
    findExecutable('mariadb-install-db'),
    findTorchPython(config.HYDRA_PYTHON),
    findChromium(),
    findAlertmanager(),
    findOutsideReaderTools(),
  ]);
  return [
    nodeCheck(process.version),
    serverCheck('NATS', 'NATS_URL', config.NATS_URL, nats.answers, [['nats-server', natsBin]]),
    serverCheck('MariaDB', 'DATABASE_URL', config.DATABASE_URL, db.answers, [
      ['mariadbd', mariadbd],
      ['mariadb-install-db', installDb],
    ]),
    torch
      ? { name: 'python3 + torch', ok: true, detail: `${torch.python} (torch ${torch.torchVersion})`, missing: [] }
      : {
          name: 'python3 + torch',
          ok: false,
          detail: 'no Python that imports torch (HYDRA_PYTHON, /usr/bin/python3, python3 on PATH)',
          missing: ['torch'],
        },
    chromium
      ? { name: 'chromium', ok: true, detail: chromium, missing: [] }
      : { name: 'chromium', ok: false, detail: 'no chromium on PATH (the page tests drive it)', missing: ['chromium'] },
    alertmanager
      ? { name: 'alertmanager', ok: true, detail: alertmanager, missing: [] }
      : {
          name: 'alertmanager',
          ok: false,
          detail: 'no prometheus-alertmanager (the alarm tests run a real one)',
          missing: ['alertmanager'],
        },
    outsideReaderCheck(outside),
  ];
}

export const missingOf = (checks: readonly DoctorCheck[]): Installable[] => [
  ...new Set(checks.flatMap((c) => c.missing)),
];

export function formatCheck(c: DoctorCheck): string {
  return `  ${c.ok ? 'ok     ' : 'MISSING'}  ${c.name.padEnd(16)} ${c.detail}`;
}

export interface DoctorResult {
  readonly ok: boolean;
  readonly checks: readonly DoctorCheck[];
  readonly installed: readonly string[];
  /** The command a person must run, when something is missing that we could not install. */
  readonly manualCommand?: string;
}

/** Checks everything Hydra needs; with `install`, installs what is missing when this process can. */
export async function runDoctor(
  config: Config,
  opts: { install: boolean; log: (line: string) => void },
): Promise<DoctorResult> {
  let checks = await collectChecks(config);
  let installed: string[] = [];
  const missing = missingOf(checks);
  if (opts.install && missing.length > 0) {
    const plan = installPlan(missing, await installAbility());
    if (plan.kind === 'apt') {
      installed = await installMissing(missing, opts.log);
      forgetTorchPython();
      checks = await collectChecks(config);
    }
  }
  const still = missingOf(checks);
  const plan = installPlan(still, await installAbility());
  const manualCommand =
    plan.kind === 'nothing'
      ? undefined
      : plan.kind === 'manual'
        ? plan.command
        : `hydra doctor --install   (or: ${plan.commands.map((c) => c.join(' ')).join(' && ')})`;
  return { ok: checks.every((c) => c.ok), checks, installed, manualCommand };
}
