import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, Browser, TEST_PASSWORD } from '../../test/support/accounts.ts';
import { openHttpEnv, type HttpEnv } from '../../test/support/http.ts';

let h: HttpEnv;
beforeAll(async () => {
  h = await openHttpEnv('signin_form');
  await addUser(h.app, 'first_visit', ['admin']);
});
afterAll(async () => h?.close());

describe('the sign-in form', () => {
  it('signs in a visitor whose first page is the sign-in page, with the form field as a browser posts it', async () => {
    const browser = new Browser(h.app);
    const page = await browser.get('/signin');
    const field = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(field).toBeTruthy();
    const res = await browser.post(
      '/signin',
      { _csrf: field!, next: '/admin', user: 'first_visit', password: TEST_PASSWORD },
      { 'x-csrf-token': undefined },
    );
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe('/admin');
  });
});
