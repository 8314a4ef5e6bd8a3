import { describe, expect, it } from 'vitest';
import {
  mariadbInstallCommand,
  mariadbUrlFor,
  mariadbdCommand,
  natsServerCommand,
  natsUrlFor,
  redactUrl,
  servicesLayout,
} from './commands.ts';
import { argsNameDir } from './proc.ts';

describe('command lines', () => {
  it('starts nats-server on 127.0.0.1 with JetStream and our store directory', () => {
    expect(natsServerCommand('/usr/sbin/nats-server', 41000, '/v/services/nats')).toEqual({
      bin: '/usr/sbin/nats-server',
      args: ['-a', '127.0.0.1', '-p', '41000', '-js', '-sd', '/v/services/nats'],
    });
  });

  it('initialises MariaDB without the machine defaults, root by password-less TCP login; --user=root only as root', () => {
    expect(mariadbInstallCommand('mariadb-install-db', '/v/m', false).args).toEqual([
      '--no-defaults',
      '--datadir=/v/m',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
    expect(mariadbInstallCommand('mariadb-install-db', '/v/m', true).args.at(-1)).toBe('--user=root');
  });

  it('starts mariadbd on its own socket and port, bound to 127.0.0.1', () => {
    expect(mariadbdCommand('/usr/sbin/mariadbd', '/v/m', '/v/m.sock', 41001, false).args).toEqual([
      '--no-defaults',
      '--datadir=/v/m',
      '--socket=/v/m.sock',
      '--port=41001',
      '--bind-address=127.0.0.1',
    ]);
    expect(mariadbdCommand('/usr/sbin/mariadbd', '/v/m', '/v/m.sock', 41001, true).args).toContain('--user=root');
  });

  it('recognises our data directory on a command line, and nothing else', () => {
    const nats = natsServerCommand('nats-server', 1, '/v/services/nats').args;
    const maria = mariadbdCommand('mariadbd', '/v/services/mariadb', '/s', 2, true).args;
    expect(argsNameDir(nats, '/v/services/nats')).toBe(true);
    expect(argsNameDir(maria, '/v/services/mariadb')).toBe(true);
    expect(argsNameDir(maria, '/v/services/maria')).toBe(false);
    expect(argsNameDir(['/usr/sbin/mariadbd'], '/v/services/mariadb')).toBe(false);
  });
});

describe('servicesLayout', () => {
  it('keeps everything under var/services/', () => {
    const l = servicesLayout('/srv/hydra/var', '/tmp');
    expect(l.stateFile).toBe('/srv/hydra/var/services/state.json');
    expect(l.natsStoreDir).toBe('/srv/hydra/var/services/nats');
    expect(l.mariadbDataDir).toBe('/srv/hydra/var/services/mariadb');
    expect(l.mariadbSocket).toBe('/srv/hydra/var/services/mariadb.sock');
  });

  it('moves the socket to the temp directory when the path would be too long for a unix socket', () => {
    const deep = `/home/${'x'.repeat(90)}/var`;
    const a = servicesLayout(deep, '/tmp');
    expect(a.mariadbSocket).toMatch(/^\/tmp\/hydra-mariadb-[0-9a-f]{12}\.sock$/);
    expect(servicesLayout(deep, '/tmp').mariadbSocket).toBe(a.mariadbSocket);
    expect(servicesLayout(`${deep}2`, '/tmp').mariadbSocket).not.toBe(a.mariadbSocket);
  });
});

describe('URLs', () => {
  it('gives embedded servers 127.0.0.1 URLs, MariaDB keeping the configured database name', () => {
    expect(natsUrlFor(41000)).toBe('nats://127.0.0.1:41000');
    expect(mariadbUrlFor(41001, 'mysql://app:secret@db.example:3306/hydra_prod')).toBe(
      'mysql://root@127.0.0.1:41001/hydra_prod',
    );
  });

  it('hides passwords in logs', () => {
    expect(redactUrl('mysql://app:secret@db:3306/h')).toBe('mysql://app:***@db:3306/h');
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
  });
});
