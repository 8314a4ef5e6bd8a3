import { html } from '../html.ts';
import { csrfField, type PageContext, type View } from './layout.ts';

export function signInView(ctx: PageContext, opts: { next: string; user?: string; problem?: string }): View {
  const main = ctx.user
    ? html`<section class="signin"><h1>Signed in</h1><p>You are signed in as <strong>${ctx.user.name}</strong> (${ctx.user.rolesText}).</p>
<p><a href="${opts.next}">Go on</a></p></section>`
    : html`<section class="signin"><h1>Sign in to Hydra</h1>
${opts.problem ? html`<p class="flash bad" role="alert">${opts.problem}</p>` : ''}
<form method="post" action="/signin" class="signin-form">
${csrfField(ctx)}<input type="hidden" name="next" value="${opts.next}">
<label>User name <input name="user" autocomplete="username" required maxlength="100" value="${opts.user ?? ''}" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="200"></label>
<button type="submit">Sign in</button>
</form>
<p class="muted">No account? An Admin adds one on the Admin page or with <code>hydra users add</code>.</p></section>`;
  return { page: 'signin', title: 'Sign in', main };
}
