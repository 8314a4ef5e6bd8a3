import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHttpEnv, type HttpEnv } from '../../test/support/http.ts';
import { addUser } from '../../test/support/accounts.ts';
import { meta } from '../../test/support/events.ts';

let h: HttpEnv;

beforeAll(async () => {
  h = await openHttpEnv('proxy_sso', {
    config: {
      HYDRA_HTTP_HOST: '0.0.0.0',
      HYDRA_PUBLIC_URL: 'https://hydra.example.org/',
      HYDRA_TRUSTED_PROXIES: '10.1.0.0/16',
      HYDRA_PROXY_USER_HEADER: 'X-Remote-User',
      HYDRA_METRICS_FROM: '10.9.0.5',
    },
  });
  await addUser(h.app, 'jdoe@jlab.org', 'labeler');
  await h.append([
    {
      type: 'alarm.raised',
      metadata: meta,
      data: {
        alarmId: 'sso-1',
        plotType: 'FCAL_ring',
        detector: 'FCAL',
        run: 1,
        label: 'Bad',
        confidence: 0.9,
        firstImageId: 'b'.repeat(64),
        imageIds: ['b'.repeat(64)],
        raisedAt: new Date().toISOString(),
      },
    },
  ]);
});
afterAll(async () => h?.close());

const fromProxy = (remoteAddress: string, user: string | undefined, extra: Record<string, string> = {}) => ({
  remoteAddress,
  headers: {
    host: 'hydra.example.org',
    'x-forwarded-proto': 'https',
    accept: 'text/html',
    ...(user ? { 'x-remote-user': user } : {}),
    ...extra,
  },
});

describe('single sign-on through a trusted reverse proxy', () => {
  it('takes the user the proxy names, with their Hydra roles, and records them', async () => {
    const page = await h.app.inject({ url: '/', ...fromProxy('10.1.2.3', 'jdoe@jlab.org') });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('jdoe@jlab.org');
    const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)![1]!;
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const ack = await h.app.inject({
      method: 'POST',
      url: '/alarms/sso-1/ack',
      payload: 'comment=seen',
      ...fromProxy('10.1.2.3', 'jdoe@jlab.org', {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://hydra.example.org',
        'x-csrf-token': csrf,
        cookie,
      }),
    });
    expect(ack.statusCode).toBe(303);
    const events = [];
    for await (const i of h.log.read()) if (i.ok && i.event.type === 'alarm.acknowledged') events.push(i.event);
    expect(events.map((e) => [e.metadata.user, e.data.user])).toEqual([['jdoe@jlab.org', 'jdoe@jlab.org']]);
  });

  it('ignores the header from anywhere else, and refuses names Hydra does not know', async () => {
    const spoofed = await h.app.inject({ url: '/log', ...fromProxy('192.168.7.7', 'jdoe@jlab.org') });
    expect(spoofed.statusCode).toBe(303);
    expect(spoofed.headers.location).toMatch(/^\/signin/);
    const stranger = await h.app.inject({ url: '/log', ...fromProxy('10.1.2.3', 'mallory') });
    expect(stranger.statusCode).toBe(403);
  });

  it('serves only its own host names, with anonymous viewing off by default off-loopback', async () => {
    expect(await h.app.anonymousViewing()).toBe(false);
    expect(
      (await h.app.inject({ url: '/', ...fromProxy('10.1.2.3', undefined, { host: 'evil.example' }) })).statusCode,
    ).toBe(421);
    const anon = await h.app.inject({ url: '/', ...fromProxy('10.1.2.3', undefined) });
    expect(anon.statusCode).toBe(303);
    // Prometheus from its configured address scrapes without a token; anyone else may not.
    expect(
      (await h.app.inject({ url: '/metrics', remoteAddress: '10.9.0.5', headers: { host: 'hydra.example.org' } }))
        .statusCode,
    ).toBe(200);
    expect(
      (await h.app.inject({ url: '/metrics', remoteAddress: '10.9.0.6', headers: { host: 'hydra.example.org' } }))
        .statusCode,
    ).toBe(401);
    // Kubernetes probes reach the pod by its address.
    expect((await h.app.inject({ url: '/healthz', headers: { host: '10.244.1.7:8080' } })).statusCode).toBe(200);
  });
});
