import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { hashPassword } from '../../src/accounts/password.ts';
import type { Role, RoleGrant } from '../../src/accounts/roles.ts';

/** The password test users get unless a test names one. */
export const TEST_PASSWORD = 'correct horse battery';

/**
 * Adds a user with roles (`'labeler'`, or grants such as `{ role: 'expert', detectors: ['FCAL'] }`) through the
 * app's own account commands, and waits until sign-in can see them.
 */
export async function addUser(
  app: FastifyInstance,
  name: string,
  roles: Role | readonly (Role | RoleGrant)[],
  password = TEST_PASSWORD,
): Promise<void> {
  const grants = (typeof roles === 'string' ? [roles] : roles).map((r) => (typeof r === 'string' ? { role: r } : r));
  await app.accounts.changeUser({ kind: 'add', user: name, passwordHash: await hashPassword(password) }, 'test');
  for (const g of grants)
    await app.accounts.changeUser(
      { kind: 'grant', user: name, role: g.role, ...(g.detectors ? { detectors: g.detectors } : {}) },
      'test',
    );
}

/** A browser's cookie jar and CSRF token, for `inject`: what a signed-in (or anonymous) page visitor sends. */
export class Browser {
  private readonly cookies = new Map<string, string>();
  csrf = '';
  constructor(
    readonly app: FastifyInstance,
    readonly origin = 'http://localhost:80',
  ) {}

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const gone = c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now());
      if (gone || c.value === '') this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const meta = /<meta name="csrf-token" content="([^"]+)">/.exec(res.body)?.[1];
    const field = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (meta ?? field) this.csrf = (meta ?? field)!;
    return res;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  has(cookie: string): boolean {
    return this.cookies.has(cookie);
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({
        method: 'GET',
        url,
        headers: { accept: 'text/html', cookie: this.cookieHeader(), ...headers },
      }),
    );
  }

  /** A same-origin form post with the page's CSRF token, as our pages send it (override any header to forge one). */
  async post(
    url: string,
    form: Record<string, string> = {},
    headers: Record<string, string | undefined> = {},
  ): Promise<LightMyRequestResponse> {
    const h: Record<string, string> = {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      cookie: this.cookieHeader(),
      origin: this.origin,
      'x-csrf-token': this.csrf,
    };
    for (const [k, v] of Object.entries(headers)) {
      if (v === undefined) delete h[k];
      else h[k] = v;
    }
    const opts: InjectOptions = { method: 'POST', url, headers: h, payload: new URLSearchParams(form).toString() };
    return this.keep(await this.app.inject(opts));
  }

  /** A multipart form post with one file, as a browser sends a form with a file input (the CSRF token as a field). */
  async postFile(
    url: string,
    fields: Record<string, string>,
    file: { name: string; field?: string; bytes: Uint8Array },
  ): Promise<LightMyRequestResponse> {
    const boundary = `----hydra${Math.random().toString(16).slice(2)}`;
    const parts = Object.entries({ _csrf: this.csrf, ...fields }).map(
      ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
    );
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const payload = Buffer.concat([
      Buffer.from(parts.join('') + head),
      file.bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        payload,
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          accept: 'text/html',
          cookie: this.cookieHeader(),
          origin: this.origin,
        },
      }),
    );
  }

  /** Signs in through the sign-in page; throws unless it worked. Picks up the signed-in page's CSRF token. */
  async signIn(user: string, password = TEST_PASSWORD): Promise<this> {
    await this.get('/signin');
    const res = await this.post('/signin', { user, password, next: '/' });
    if (res.statusCode !== 303)
      throw new Error(`sign-in of ${user} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    await this.get('/signin');
    return this;
  }
}

/** A browser signed in as a new user with these roles. */
export async function signedIn(app: FastifyInstance, name: string, roles: Role | readonly (Role | RoleGrant)[]) {
  await addUser(app, name, roles);
  return new Browser(app).signIn(name);
}
