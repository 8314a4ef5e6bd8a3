import { describe, expect, it } from 'vitest';
import { AddressSet, allowedHostnames, hostAuthority, hostnameOf, originAuthority } from './hosts.ts';

describe('host names and addresses', () => {
  it('reads host names from Host headers, with ports and IPv6 brackets', () => {
    expect(hostnameOf('Hydra.Example:8092')).toBe('hydra.example');
    expect(hostnameOf('[::1]:8080')).toBe('::1');
    expect(hostnameOf(undefined)).toBeNull();
    expect(hostnameOf('bad host')).toBeNull();
  });

  it('answers to the public URL, the listen address and loopback names, nothing else', () => {
    const hosts = allowedHostnames({
      HYDRA_HTTP_HOST: '127.0.0.1',
      HYDRA_PUBLIC_URL: 'https://hydra.jlab.org/',
      HYDRA_ALLOWED_HOSTS: 'halld-mon',
    });
    expect([...hosts].sort()).toEqual(['127.0.0.1', '::1', 'halld-mon', 'hydra.jlab.org', 'localhost']);
    const specific = allowedHostnames({ HYDRA_HTTP_HOST: '10.0.0.7', HYDRA_ALLOWED_HOSTS: '' });
    expect([...specific]).toEqual(['10.0.0.7']);
  });

  it('matches addresses and CIDR ranges, IPv4-mapped IPv6 as IPv4', () => {
    const s = AddressSet.parse('10.1.0.0/16, 192.168.5.9, ::1');
    expect(s.has('10.1.200.3')).toBe(true);
    expect(s.has('::ffff:10.1.0.1')).toBe(true);
    expect(s.has('192.168.5.9')).toBe(true);
    expect(s.has('::1')).toBe(true);
    expect(s.has('10.2.0.1')).toBe(false);
    expect(s.has(undefined)).toBe(false);
    expect(AddressSet.parse('').has('127.0.0.1')).toBe(false);
    expect(() => AddressSet.parse('not-an-ip')).toThrow(/not an address/);
  });

  it('compares an Origin with a Host including default ports', () => {
    expect(originAuthority('http://localhost')).toBe(hostAuthority('localhost:80', 'http'));
    expect(originAuthority('https://h.example')).toBe('h.example:443');
    expect(originAuthority('null')).toBeNull();
    expect(originAuthority('file:///x')).toBeNull();
  });
});
