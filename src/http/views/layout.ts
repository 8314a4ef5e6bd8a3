import { html, type Html } from '../html.ts';

/** What every view needs besides its data: the time zone to show and the instant it renders at. */
export interface ViewContext {
  readonly tz: string;
  readonly now: number;
  readonly htmxVersion: string;
}

export type PageName = 'run' | 'log' | 'timeline' | 'status' | 'detail' | 'error';

const PAGES: readonly { name: PageName; path: string; label: string }[] = [
  { name: 'run', path: '/', label: 'Run' },
  { name: 'log', path: '/log', label: 'Log' },
  { name: 'timeline', path: '/timeline', label: 'Timeline' },
  { name: 'status', path: '/status', label: 'Status' },
];

export function nav(current: PageName, oob = false): Html {
  return html`<nav id="nav" aria-label="Pages"${oob ? html` hx-swap-oob="true"` : ''}>${PAGES.map((p) => html`<a href="${p.path}" hx-get="${p.path}" hx-target="#main" hx-push-url="true"${p.name === current ? html` aria-current="page"` : ''}>${p.label}</a>`)}</nav>`;
}

export interface View {
  readonly page: PageName;
  readonly title: string;
  /** The content of <main>: what an htmx navigation swaps in. */
  readonly main: Html;
  /** What an htmx request gets instead of <main>, when the view is swapped somewhere else (the detail overlay). */
  readonly partial?: Html;
}

// htmx and its SSE extension load in order, before the body is parsed: htmx starts on DOMContentLoaded, so the
// extension is registered before htmx first looks at the page (with `defer`, htmx could start without it).
/** A whole document around a view (first load, reload, a link opened in a new tab). */
export function fullPage(view: View, ctx: ViewContext): Html {
  const v = encodeURIComponent(ctx.htmxVersion);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>${view.title} · Hydra</title>
<link rel="stylesheet" href="/assets/app.css">
<script src="/vendor/htmx/htmx.min.js?v=${v}"></script>
<script src="/vendor/htmx/ext/hx-sse.min.js?v=${v}"></script>
<script src="/assets/app.js" defer></script>
</head>
<body data-tz="${ctx.tz}">
<header class="top">
<a class="brand" href="/">HYDRA</a>
${nav(view.page)}
<span class="clock" id="clock" title="${ctx.tz}">${ctx.tz}</span>
</header>
<main id="main">${view.main}</main>
<div id="detail"></div>
</body>
</html>
`;
}

/** What an htmx request gets: the new <main> content, its title, and the navigation marking the page. */
export function fragment(view: View): Html {
  if (view.partial) return view.partial;
  return html`<title>${view.title} · Hydra</title>${view.main}${nav(view.page, true)}`;
}
