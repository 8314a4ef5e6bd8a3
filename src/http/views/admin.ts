import { describeGrants, ROLE_DESCRIPTIONS, ROLE_ORDER, type RoleGrant } from '../../accounts/roles.ts';
import type { ApiTokenRow } from '../../projections/api-tokens/table.ts';
import type { UserRow } from '../../projections/users/table.ts';
import { when } from '../format.ts';
import { href, html, type Html } from '../html.ts';
import { csrfField, type PageContext, type View } from './layout.ts';

export interface AdminData {
  readonly users: readonly UserRow[];
  readonly tokens: readonly ApiTokenRow[];
  /** The setting as an Admin set it (null: never set) and what applies now. */
  readonly anonymousViewing: { readonly set: boolean | null; readonly effective: boolean };
}

export interface AdminNotice {
  readonly ok?: string;
  readonly problem?: string;
  /** A token just made: shown this once. */
  readonly newToken?: { readonly tokenId: string; readonly name: string; readonly token: string };
}

const roleOptions = html`${ROLE_ORDER.map((r) => html`<option value="${r}">${r}</option>`)}`;

function post(ctx: PageContext, action: string, body: Html, cls = 'inline'): Html {
  return html`<form method="post" action="${action}" class="${cls}">${csrfField(ctx)}${body}</form>`;
}

function userRow(u: UserRow, ctx: PageContext): Html {
  const base = ['admin', 'users', u.name];
  const revoke = (g: RoleGrant) =>
    post(
      ctx,
      href([...base, 'revoke']),
      html`<input type="hidden" name="role" value="${g.role}"><button type="submit" class="chip" title="take the ${g.role} role away">${describeGrants([g])} ✕</button>`,
    );
  return html`<tr class="${u.disabled ? 'disabled' : ''}"><th scope="row">${u.name}${u.displayName ? html`<br><span class="muted">${u.displayName}</span>` : ''}</th>
<td>${u.roles.length ? u.roles.map(revoke) : html`<span class="muted">no role</span>`}</td>
<td>${post(ctx, href([...base, 'grant']), html`<select name="role" aria-label="role for ${u.name}">${roleOptions}</select> <input name="detectors" placeholder="detectors (experts)" aria-label="detectors" size="14"> <button type="submit">Grant</button>`)}</td>
<td>${u.passwordHash ? 'password' : html`<span class="muted">single sign-on only</span>`}
${post(ctx, href([...base, 'password']), html`<input name="password" type="password" autocomplete="new-password" minlength="10" maxlength="200" required placeholder="new password" aria-label="new password for ${u.name}" size="14"> <button type="submit">Set</button>`)}</td>
<td>${u.disabled ? html`<strong class="warn">disabled</strong> ${post(ctx, href([...base, 'enable']), html`<button type="submit">Enable</button>`)}` : post(ctx, href([...base, 'disable']), html`<button type="submit" class="danger">Disable</button>`)}</td>
<td>${when(u.updatedAt, ctx.tz, ctx.now)}</td></tr>`;
}

function tokenRow(t: ApiTokenRow, ctx: PageContext): Html {
  const grant: RoleGrant = { role: t.role, ...(t.detectors ? { detectors: t.detectors } : {}) };
  return html`<tr class="${t.revokedAt ? 'disabled' : ''}"><td><code>${t.tokenId}</code></td><td>${t.name}</td><td>${describeGrants([grant])}</td><td>${t.createdBy}, ${when(t.createdAt, ctx.tz, ctx.now)}</td>
<td>${t.revokedAt ? html`revoked by ${t.revokedBy ?? '?'}, ${when(t.revokedAt, ctx.tz, ctx.now)}` : post(ctx, href(['admin', 'tokens', t.tokenId, 'revoke']), html`<button type="submit" class="danger">Revoke</button>`)}</td></tr>`;
}

/** Users and their roles, API tokens, and site settings: everything an Admin changes, each change an event. */
export function adminView(d: AdminData, ctx: PageContext, notice: AdminNotice = {}): View {
  const anon = d.anonymousViewing;
  const main = html`<section class="admin">
<h1>Admin</h1>
${notice.ok ? html`<p class="flash" role="status">${notice.ok}</p>` : ''}
${notice.problem ? html`<p class="flash bad" role="alert">${notice.problem}</p>` : ''}
${
  notice.newToken
    ? html`<div class="flash new-token" role="status"><p>API token for <strong>${notice.newToken.name}</strong> (id <code>${notice.newToken.tokenId}</code>). Copy it now: it is not shown again, and Hydra keeps only its hash.</p>
<p><code class="token" id="new-token">${notice.newToken.token}</code></p><p class="muted">Send it as <code>Authorization: Bearer &lt;token&gt;</code>.</p></div>`
    : ''
}
<section><h2>Users</h2>
<div class="scroll"><table class="users"><thead><tr><th>User</th><th>Roles <span class="muted">(click to take away)</span></th><th>Give a role</th><th>Password</th><th>Sign-in</th><th>Changed</th></tr></thead><tbody>
${d.users.map((u) => userRow(u, ctx))}</tbody></table></div>
<h3>Add a user</h3>
${post(
  ctx,
  '/admin/users',
  html`<label>User name <input name="user" required maxlength="100" pattern="[A-Za-z0-9][A-Za-z0-9._@\\-]*" autocomplete="off"></label>
<label>Display name <input name="displayName" maxlength="100"></label>
<label>Role <select name="role"><option value="">none yet</option>${roleOptions}</select></label>
<label>Detectors <input name="detectors" placeholder="FCAL, BCAL (experts; empty: all)"></label>
<label>Password <input name="password" type="password" autocomplete="new-password" minlength="10" maxlength="200" placeholder="empty: single sign-on only"></label>
<button type="submit">Add user</button>`,
  'stacked',
)}
<dl class="roles">${ROLE_ORDER.map((r) => html`<dt>${r}</dt><dd>${ROLE_DESCRIPTIONS[r]}</dd>`)}</dl>
</section>
<section><h2>API tokens</h2>
<div class="scroll"><table class="tokens"><thead><tr><th>Id</th><th>Client</th><th>Role</th><th>Made</th><th></th></tr></thead><tbody>
${d.tokens.length ? d.tokens.map((t) => tokenRow(t, ctx)) : html`<tr><td colspan="5" class="muted">No API tokens yet.</td></tr>`}</tbody></table></div>
<h3>Make a token</h3>
${post(
  ctx,
  '/admin/tokens',
  html`<label>Client <input name="name" required maxlength="100" placeholder="e.g. RootSpy Hall D, Prometheus"></label>
<label>Role <select name="role">${roleOptions}</select></label>
<label>Detectors <input name="detectors" placeholder="experts only; empty: all"></label>
<button type="submit">Make token</button>`,
  'stacked',
)}
<p class="muted">Uploads (<code>POST /api/images</code>) need a Labeler token; Prometheus needs a Viewer token for <code>/metrics</code>.</p>
</section>
<section><h2>Site settings</h2>
${post(
  ctx,
  '/admin/settings',
  html`<label><input type="checkbox" name="anonymousViewing" value="on"${anon.effective ? html` checked` : ''}> Anyone who reaches the pages may watch Run, Log, Timeline and Status without signing in</label>
<p class="muted">${anon.set === null ? 'Not set: the default applies (on when the pages listen on 127.0.0.1 only, off otherwise).' : `Set by an Admin: ${anon.set ? 'on' : 'off'}.`}</p>
<button type="submit">Save</button>`,
  'stacked',
)}
</section>
</section>`;
  return { page: 'admin', title: 'Admin', main };
}
