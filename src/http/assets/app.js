// Hydra pages: the little the browser does itself. Nothing here polls the server: the Run page's live data comes by
// SSE, a training run's progress by the htmx polling its own markup declares (and drops once the run has an outcome).
(() => {
  const root = document.documentElement;
  const store = (k, v) => {
    try {
      if (v === undefined) return localStorage.getItem(k);
      localStorage.setItem(k, v);
    } catch {
      return null;
    }
  };

  // Heatmap overlay: one switch and one opacity for every image on the page, remembered across reloads.
  function applyHeat() {
    const on = store('hydra.heat') === '1';
    const opacity = Number(store('hydra.heatOpacity') ?? '60');
    root.classList.toggle('show-heat', on);
    root.style.setProperty('--heat-opacity', String(opacity / 100));
    document.querySelectorAll('.heat-toggle, #heat-toggle').forEach((el) => {
      el.checked = on;
    });
    document.querySelectorAll('.heat-opacity, #heat-opacity').forEach((el) => {
      el.value = String(opacity);
    });
    const tile = store('hydra.tile');
    if (tile) root.style.setProperty('--tile', `${tile}px`);
    const size = document.getElementById('tile-size');
    if (size && tile) size.value = tile;
  }
  document.addEventListener('input', (e) => {
    const t = e.target;
    if (t.matches?.('.heat-toggle, #heat-toggle')) {
      store('hydra.heat', t.checked ? '1' : '0');
      applyHeat();
    }
    if (t.matches?.('.heat-opacity, #heat-opacity')) {
      store('hydra.heatOpacity', t.value);
      applyHeat();
    }
    if (t.id === 'tile-size') {
      store('hydra.tile', t.value);
      applyHeat();
    }
  });

  // A threshold's slider and its number stay one value; in the capture phase, so that htmx (listening on the
  // fieldset) sends the value just dragged or typed.
  document.addEventListener(
    'input',
    (e) => {
      const t = e.target;
      const box = t.closest?.('.threshold-inputs');
      if (!box) return;
      box.querySelectorAll('input[type=range], input[type=number]').forEach((o) => {
        if (o !== t) o.value = t.value;
      });
    },
    true,
  );

  // Relative times ("3 min ago"), kept current between pushes.
  function ago(iso) {
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 5) return 'just now';
    if (s < 90) return `${s} s ago`;
    if (s < 5400) return `${Math.round(s / 60)} min ago`;
    if (s < 129600) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  }
  function tick() {
    document.querySelectorAll('time[data-rel]').forEach((el) => {
      el.textContent = ago(el.getAttribute('datetime'));
    });
    const clock = document.getElementById('clock');
    const tz = document.body?.dataset.tz;
    if (clock && tz) {
      clock.textContent =
        new Intl.DateTimeFormat('en-GB', {
          timeZone: tz,
          hour: '2-digit',
          minute: '2-digit',
          second: '2-digit',
          hourCycle: 'h23',
        }).format(new Date()) + (tz === 'UTC' ? ' UTC' : '');
    }
  }

  // <details data-remember> stay open or shut across live redraws and reloads.
  function restoreDetails() {
    document.querySelectorAll('details[data-remember][id]').forEach((d) => {
      d.open = store(`hydra.open.${d.id}`) === '1';
    });
  }
  document.addEventListener(
    'toggle',
    (e) => {
      const d = e.target;
      if (d.matches?.('details[data-remember][id]')) store(`hydra.open.${d.id}`, d.open ? '1' : '0');
    },
    true,
  );

  // The detail overlay closes on its ✕, on the backdrop, and on Escape.
  const closeDetail = () => document.getElementById('detail')?.replaceChildren();
  document.addEventListener('click', (e) => {
    if (e.target.closest?.('[data-close-detail]')) closeDetail();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeDetail();
  });

  // Whether the live stream is connected, so a frozen page never looks live.
  function liveState(on, text) {
    const el = document.getElementById('live-state');
    if (!el) return;
    el.textContent = text;
    el.classList.toggle('on', on);
    el.classList.toggle('off', !on);
  }
  // (The server's first message marks the page live; these mark it not live.)
  document.addEventListener('htmx:sse:error', () => liveState(false, 'connection lost: reconnecting…'));
  document.addEventListener('htmx:sse:close', () => liveState(false, 'not live: reload the page'));

  // Timeline: drag across the chart to zoom into that stretch of time.
  let brush = null;
  function svgX(svg, clientX) {
    const r = svg.getBoundingClientRect();
    return ((clientX - r.left) / r.width) * Number(svg.dataset.w);
  }
  document.addEventListener('pointerdown', (e) => {
    const svg = e.target.closest?.('svg[data-brush]');
    if (!svg || e.button !== 0 || e.target.closest('a')) return;
    brush = { svg, x: svgX(svg, e.clientX), rect: svg.querySelector('.brush') };
  });
  document.addEventListener('pointermove', (e) => {
    if (!brush) return;
    const x = svgX(brush.svg, e.clientX);
    brush.rect.setAttribute('x', String(Math.min(x, brush.x)));
    brush.rect.setAttribute('width', String(Math.abs(x - brush.x)));
  });
  document.addEventListener('pointerup', (e) => {
    if (!brush) return;
    const { svg, x: xa } = brush;
    brush = null;
    const xb = svgX(svg, e.clientX);
    const d = svg.dataset;
    const x0 = Number(d.x0),
      x1 = Number(d.x1),
      from = Number(d.from),
      to = Number(d.to);
    if (Math.abs(xb - xa) < 8) {
      svg.querySelector('.brush').setAttribute('width', '0');
      return;
    }
    const t = (x) => from + ((Math.min(x1, Math.max(x0, x)) - x0) / (x1 - x0)) * (to - from);
    const url = new URL(location.href);
    url.pathname = '/timeline';
    url.searchParams.delete('span');
    url.searchParams.set('from', new Date(t(Math.min(xa, xb))).toISOString());
    url.searchParams.set('to', new Date(t(Math.max(xa, xb))).toISOString());
    const path = url.pathname + url.search;
    if (window.htmx) window.htmx.ajax('GET', path, { target: '#main' }).then(() => history.pushState({}, '', path));
    else location.href = path;
  });

  // Every htmx request carries the page's CSRF token (forms rendered once for every viewer cannot hold it).
  document.addEventListener('htmx:config:request', (e) => {
    const token = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content');
    const headers = e.detail?.ctx?.request?.headers;
    if (token && headers) headers['X-CSRF-Token'] = token;
  });

  function refresh() {
    applyHeat();
    restoreDetails();
    tick();
  }
  document.addEventListener('htmx:after:swap', refresh);
  document.addEventListener('htmx:after:settle', refresh);
  document.addEventListener('DOMContentLoaded', refresh);
  setInterval(tick, 1000);
})();
