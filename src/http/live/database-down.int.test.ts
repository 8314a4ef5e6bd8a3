import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { fact, openHttpEnv, type HttpEnv } from '../../../test/support/http.ts';
import { randomSha } from '../../../test/support/events.ts';
import { startTcpProxy, type TcpProxy } from '../../../test/support/tcp-proxy.ts';

let proxy: TcpProxy;
let h: HttpEnv;

beforeAll(async () => {
  const real = new URL(inject('databaseUrl'));
  proxy = await startTcpProxy({ host: real.hostname, port: Number(real.port || 3306) });
  h = await openHttpEnv('db_down', { webDatabasePort: proxy.port });
  await h.append([
    fact.plotType('CDC_down', 'CDC'),
    fact.arrived(randomSha(), 'CDC_down', 7000, 1, new Date().toISOString()),
  ]);
});
afterAll(async () => {
  await h?.close();
  await proxy?.close();
});

const page = async () => (await h.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } })).body;

describe('the Run page while the database is down', () => {
  it('says the database does not answer and what it shows is old, then recovers', async () => {
    expect(await page()).toContain('CDC_down');
    expect(await page()).not.toContain('The database does not answer');
    await proxy.down();
    const during = await page();
    expect(during).toContain('<strong>The database does not answer</strong>');
    expect(during).toContain('CDC_down'); // the last page, still there
    await proxy.up();
    let after = await page();
    for (let i = 0; i < 100 && after.includes('The database does not answer'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await page();
    }
    expect(after).not.toContain('The database does not answer');
  });
});
