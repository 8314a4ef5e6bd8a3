import { html, type Html } from '../html.ts';
import type { Role } from '../../accounts/roles.ts';

/** What every view needs besides its data: the time zone to show and the instant it renders at. */
export interface ViewContext {
  readonly tz: string;
  readonly now: number;
  readonly htmxVersion: string;
}

/** The person looking at a page, as views need them: name, display name, and every role they may act as. */
export interface ViewUser {
  readonly name: string;
  readonly displayName: string;
  /** Roles held, with what they include (an Admin is also an Expert, a Labeler and a Viewer). */
  readonly can: readonly Role[];
  /** The grants in words ("expert (FCAL)"). */
  readonly rolesText: string;
}

/** What a page rendered for one request needs besides the shared context: who is looking, and their CSRF token. */
export interface PageContext extends ViewContext {
  readonly user: ViewUser | null;
  readonly csrf: string;
}

export type PageName =
  | 'run'
  | 'log'
  | 'timeline'
  | 'status'
  | 'detail'
  | 'error'
  | 'signin'
  | 'admin'
  | 'labeler'
  | 'library'
  | 'plot-types';

// `full`: opened as a whole page (it has a script of its own), not swapped in by htmx.
const PAGES: readonly { name: PageName; path: string; label: string; needs?: Role; full?: boolean }[] = [
  { name: 'run', path: '/', label: 'Run' },
  { name: 'log', path: '/log', label: 'Log' },
  { name: 'timeline', path: '/timeline', label: 'Timeline' },
  { name: 'status', path: '/status', label: 'Status' },
  { name: 'labeler', path: '/labeler', label: 'Labeler', needs: 'labeler', full: true },
  { name: 'library', path: '/library', label: 'Library' },
  { name: 'plot-types', path: '/admin/plot-types', label: 'Plot types', needs: 'viewer', full: true },
  { name: 'admin', path: '/admin', label: 'Admin', needs: 'admin' },
];

export function nav(current: PageName, ctx: PageContext, oob = false): Html {
  const pages = PAGES.filter((p) => !p.needs || ctx.user?.can.includes(p.needs));
  return html`<nav id="nav" aria-label="Pages"${oob ? html` hx-swap-oob="true"` : ''}>${pages.map((p) => html`<a href="${p.path}"${p.full ? '' : html` hx-get="${p.path}" hx-target="#main" hx-push-url="true"`}${p.name === current ? html` aria-current="page"` : ''}>${p.label}</a>`)}</nav>`;
}

/** The hidden field every form posts its CSRF token in (htmx requests also send it as X-CSRF-Token). */
export const csrfField = (ctx: PageContext): Html => html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;

/** Signed in as…, and sign out; or the way to sign in. */
function whoView(ctx: PageContext, page: PageName): Html {
  if (!ctx.user) return page === 'signin' ? html`` : html`<a class="signin-link" href="/signin">Sign in</a>`;
  return html`<span class="who" title="${ctx.user.rolesText}">${ctx.user.displayName}${ctx.user.displayName !== ctx.user.name ? html` <span class="muted">(${ctx.user.name})</span>` : ''}</span>
<form class="signout" method="post" action="/signout">${csrfField(ctx)}<button type="submit">Sign out</button></form>`;
}

export interface View {
  readonly page: PageName;
  readonly title: string;
  /** The content of <main>: what an htmx navigation swaps in. */
  readonly main: Html;
  /** What an htmx request gets instead of <main>, when the view is swapped somewhere else (the detail overlay). */
  readonly partial?: Html;
  /** Our own scripts this page needs besides app.js (full loads only; navigating to it by htmx loads it whole). */
  readonly scripts?: readonly string[];
}

// htmx and its SSE extension load in order, before the body is parsed: htmx starts on DOMContentLoaded, so the
// extension is registered before htmx first looks at the page (with `defer`, htmx could start without it).
/** A whole document around a view (first load, reload, a link opened in a new tab). */
export function fullPage(view: View, ctx: PageContext): Html {
  const v = encodeURIComponent(ctx.htmxVersion);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<meta name="csrf-token" content="${ctx.csrf}">
<title>${view.title} · Hydra</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/vendor/htmx/htmx.min.js?v=${v}"></script>
<script src="/vendor/htmx/ext/hx-sse.min.js?v=${v}"></script>
<script src="/assets/app.js" defer></script>
${(view.scripts ?? []).map(
  (s) => html`<script src="${s}" defer></script>
`,
)}</head>
<body data-tz="${ctx.tz}" class="${(ctx.user?.can ?? []).map((r) => `can-${r}`).join(' ')}">
<header class="top">
<a class="brand" href="/">HYDRA</a>
${nav(view.page, ctx)}
<span class="clock" id="clock" title="${ctx.tz}">${ctx.tz}</span>
<span class="account" id="account">${whoView(ctx, view.page)}</span>
</header>
<main id="main">${view.main}</main>
<div id="detail"></div>
</body>
</html>
`;
}

/** What an htmx request gets: the new <main> content, its title, and the navigation marking the page. */
export function fragment(view: View, ctx: PageContext): Html {
  if (view.partial) return view.partial;
  return html`<title>${view.title} · Hydra</title>${view.main}${nav(view.page, ctx, true)}`;
}
