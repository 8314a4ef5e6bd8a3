import { describe, expect, it } from 'vitest';
import { candidatePaths, torchPythonCandidates } from './binaries.ts';
import { missingOf, nodeCheck, outsideReaderCheck, serverCheck } from './doctor.ts';
import { installPlan, packagesFor } from './install.ts';

describe('installPlan', () => {
  it('does nothing when nothing is missing', () => {
    expect(installPlan([], { isRoot: true, hasAptGet: true })).toEqual({ kind: 'nothing' });
  });

  it('as root with apt-get: update, then install only the missing packages, each once', () => {
    expect(installPlan(['mariadbd', 'mariadb-install-db', 'torch'], { isRoot: true, hasAptGet: true })).toEqual({
      kind: 'apt',
      packages: ['mariadb-server', 'python3-torch'],
      commands: [
        ['apt-get', 'update'],
        ['apt-get', 'install', '-y', 'mariadb-server', 'python3-torch'],
      ],
    });
  });

  it('without root: the one exact command to run', () => {
    const plan = installPlan(['nats-server', 'chromium'], { isRoot: false, hasAptGet: true });
    expect(plan).toEqual({
      kind: 'manual',
      packages: ['nats-server', 'chromium'],
      command: 'sudo apt-get update && sudo apt-get install -y nats-server chromium',
    });
  });

  it('without apt-get: names the packages', () => {
    const plan = installPlan(['nats-server'], { isRoot: true, hasAptGet: false });
    expect(plan.kind).toBe('manual');
    if (plan.kind === 'manual') expect(plan.command).toContain('nats-server');
  });

  it('maps binaries to their Debian packages', () => {
    expect(packagesFor(['nats-server', 'mariadbd', 'torch', 'chromium', 'alertmanager'])).toEqual([
      'nats-server',
      'mariadb-server',
      'python3-torch',
      'chromium',
      'prometheus-alertmanager',
    ]);
  });
});

describe('doctor checks', () => {
  it('installs what the outside-reader test needs: gcc, libnats-dev, python3-jsonschema', () => {
    const all = { gcc: '/usr/bin/gcc', libnatsHeader: '/usr/include/nats/nats.h', jsonschema: true };
    expect(outsideReaderCheck(all)).toMatchObject({ ok: true, missing: [] });
    const none = outsideReaderCheck({ gcc: undefined, libnatsHeader: undefined, jsonschema: false });
    expect(none).toMatchObject({ ok: false, missing: ['gcc', 'libnats', 'jsonschema'] });
    expect(none.detail).toContain('gcc, libnats-dev, python3-jsonschema');
    expect(packagesFor(none.missing)).toEqual(['gcc', 'libnats-dev', 'python3-jsonschema']);
  });

  it('needs Node 20 or newer', () => {
    expect(nodeCheck('v20.20.2').ok).toBe(true);
    expect(nodeCheck('v22.1.0').ok).toBe(true);
    expect(nodeCheck('v18.19.0')).toMatchObject({ ok: false, missing: [] });
  });

  it('needs no server binary when the configured URL answers', () => {
    expect(serverCheck('NATS', 'NATS_URL', 'nats://x:4222', true, [['nats-server', undefined]])).toMatchObject({
      ok: true,
      missing: [],
    });
  });

  it('needs the binaries to start one when the configured URL is silent', () => {
    const found = serverCheck('MariaDB', 'DATABASE_URL', 'mysql://x/h', false, [
      ['mariadbd', '/usr/sbin/mariadbd'],
      ['mariadb-install-db', '/usr/bin/mariadb-install-db'],
    ]);
    expect(found).toMatchObject({ ok: true, missing: [] });
    const lacking = serverCheck('MariaDB', 'DATABASE_URL', 'mysql://x/h', false, [
      ['mariadbd', undefined],
      ['mariadb-install-db', '/usr/bin/mariadb-install-db'],
    ]);
    expect(lacking).toMatchObject({ ok: false, missing: ['mariadbd'] });
    expect(missingOf([lacking, nodeCheck('v18.0.0'), lacking])).toEqual(['mariadbd']);
  });

  it('hides a password in what it prints', () => {
    expect(serverCheck('MariaDB', 'DATABASE_URL', 'mysql://u:pw@db:3306/h', true, []).detail).not.toContain('pw');
  });
});

describe('where binaries are looked for', () => {
  it('searches PATH first, then the sbin directories an ordinary PATH lacks', () => {
    expect(candidatePaths('mariadbd', '/usr/local/bin:/usr/bin')).toEqual([
      '/usr/local/bin/mariadbd',
      '/usr/bin/mariadbd',
      '/usr/local/sbin/mariadbd',
      '/usr/sbin/mariadbd',
      '/sbin/mariadbd',
    ]);
    expect(candidatePaths('/opt/nats/nats-server', '/usr/bin')).toEqual(['/opt/nats/nats-server']);
  });

  it('tries HYDRA_PYTHON, then /usr/bin/python3, then python3 on PATH, each once', () => {
    expect(torchPythonCandidates('/opt/venv/bin/python', '/root/.pyenv/shims/python3')).toEqual([
      '/opt/venv/bin/python',
      '/usr/bin/python3',
      '/root/.pyenv/shims/python3',
    ]);
    expect(torchPythonCandidates(undefined, '/usr/bin/python3')).toEqual(['/usr/bin/python3']);
  });
});
