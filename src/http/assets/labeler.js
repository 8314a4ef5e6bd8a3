// The Labeler page: pick a label, select images by mouse or keyboard, Enter applies, u undoes.
// The server decides and records; this only keeps the selection and sends it.
(() => {
  const page = () => document.getElementById('labeler');
  const grid = () => document.getElementById('lab-grid');
  const tiles = () => [...document.querySelectorAll('#lab-grid .lt')];
  const state = { cursor: 0, anchor: null, busy: false, lastBatch: null };
  // The label Enter applies is the palette button shown pressed, read from the page each time: nothing else
  // (no remembered label, no variable that could disagree with what the labeller sees).
  const armed = () => page()?.querySelector('.pal[aria-pressed="true"]')?.dataset.label ?? null;

  // A version-4 UUID from getRandomValues (crypto.randomUUID needs https, and pages may be served over http).
  function uuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function pickLabel(name) {
    const p = page();
    if (!p) return;
    const button = p.querySelector(`.pal[data-label="${CSS.escape(name)}"]`);
    if (!button) return;
    p.querySelectorAll('.pal').forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
    const out = document.getElementById('lab-armed');
    if (out) {
      const chip = Object.assign(document.createElement('b'), { textContent: name });
      chip.setAttribute('style', button.getAttribute('style'));
      out.replaceChildren('Enter labels ', chip, Object.assign(document.createElement('span'), { className: 'n' }));
      out.dataset.label = name;
    }
    status();
  }

  function status(text) {
    const n = document.querySelectorAll('#lab-grid .lt.sel').length;
    const el = document.querySelector('#lab-grid .lab-selected');
    const label = armed();
    // The sticky bar says how many Enter would label, also when the summary has scrolled away.
    const count = document.querySelector('#lab-armed .n');
    if (count) count.textContent = n ? ` · ${n} selected` : '';
    if (el)
      el.textContent = text ?? `${n} selected${label ? ` · Enter labels them ${label}` : ' · pick a label (1–9)'}`;
  }

  // Labels applied in this tab (undos taken off) and the rate since the Labeler was first opened in it.
  function session() {
    try {
      return JSON.parse(sessionStorage.getItem('hydra.labSession') ?? 'null');
    } catch {
      return null;
    }
  }
  function showSession(add = 0) {
    const s = session() ?? { since: Date.now(), labels: 0 };
    s.labels = Math.max(0, s.labels + add);
    try {
      sessionStorage.setItem('hydra.labSession', JSON.stringify(s));
    } catch {}
    const el = document.getElementById('lab-session');
    if (!el) return;
    const hours = (Date.now() - s.since) / 3600_000;
    const since = new Intl.DateTimeFormat('en-GB', {
      timeZone: document.body?.dataset.tz || 'UTC',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(s.since));
    const rate = hours >= 1 / 60 ? ` · ${Math.round(s.labels / hours).toLocaleString('en')}/h` : '';
    el.textContent = `this session: ${s.labels.toLocaleString('en')} label${s.labels === 1 ? '' : 's'} since ${since}${rate}`;
    el.dataset.labels = String(s.labels);
  }

  function moveCursor(i) {
    const all = tiles();
    if (all.length === 0) return;
    state.cursor = Math.max(0, Math.min(all.length - 1, i));
    all.forEach((t, k) => t.classList.toggle('cur', k === state.cursor));
    all[state.cursor].scrollIntoView({ block: 'nearest' });
    showHistory(all[state.cursor].dataset.id);
  }

  // Editor mode: the cursor's image shows its history beside the grid (the last request asked wins).
  let historyFor = null;
  async function showHistory(id) {
    const panel = document.getElementById('lab-history');
    if (!panel || !grid()?.hasAttribute('data-editor') || historyFor === id) return;
    historyFor = id;
    try {
      const res = await fetch(`/labeler/history?image=${encodeURIComponent(id)}`, {
        headers: { 'hx-request': 'true' },
        credentials: 'same-origin',
      });
      if (historyFor !== id) return;
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      panel.innerHTML = await res.text();
      document.dispatchEvent(new CustomEvent('labeler:history'));
    } catch (err) {
      if (historyFor === id) panel.textContent = `No history: ${err.message}`;
    }
  }

  function select(i, on) {
    const t = tiles()[i];
    if (!t) return;
    t.classList.toggle('sel', on ?? !t.classList.contains('sel'));
    t.setAttribute('aria-selected', String(t.classList.contains('sel')));
  }

  function selectRange(a, b, on) {
    for (let i = Math.min(a, b); i <= Math.max(a, b); i++) select(i, on);
  }

  // How many tiles a row holds, from where they are laid out.
  function columns() {
    const all = tiles();
    if (all.length < 2) return 1;
    const top = all[0].offsetTop;
    const n = all.findIndex((t) => t.offsetTop !== top);
    return n === -1 ? all.length : n;
  }

  function reset(cursor = 0) {
    state.anchor = null;
    const note = document.querySelector('#lab-grid .lab-note[data-batch]');
    if (note) state.lastBatch = note.dataset.batch;
    moveCursor(cursor);
    status();
  }

  // The next page's thumbnails, fetched while the labeller looks at this page, so that it shows at once when they
  // are done with this one (the thumbnails are cached for a year). Two at a time: the page's own requests go first.
  let prefetching = null;
  async function prefetch() {
    const ids = (grid()?.dataset.prefetch ?? '').split(',').filter((id) => id !== '');
    const run = {};
    prefetching = run;
    const left = [...ids];
    const worker = async () => {
      while (left.length && prefetching === run) {
        const id = left.shift();
        try {
          await (await fetch(`/blobs/${id}/thumb`, { credentials: 'same-origin', priority: 'low' })).arrayBuffer();
        } catch {
          // A thumbnail that did not come now comes with its page.
        }
      }
    };
    await Promise.all([worker(), worker()]);
    if (prefetching === run) document.dispatchEvent(new CustomEvent('labeler:prefetched', { detail: ids.length }));
  }

  function csrf() {
    return document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  }

  // Posts an action; the answer is the view's next page, which replaces the grid.
  async function post(url, fields) {
    if (state.busy) return;
    state.busy = true;
    const g = grid();
    g?.classList.add('busy');
    try {
      const body = new URLSearchParams({ ...fields, view: g?.dataset.view ?? '' });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': csrf(), 'hx-request': 'true' },
        body,
        credentials: 'same-origin',
      });
      const text = await res.text();
      if (!res.ok) {
        let message = text;
        try {
          message = JSON.parse(text).message ?? text;
        } catch {
          message =
            new DOMParser().parseFromString(text, 'text/html').querySelector('.error-page p')?.textContent ?? text;
        }
        status(`Refused (${res.status}): ${message}`);
        return;
      }
      const next = new DOMParser().parseFromString(text, 'text/html').getElementById('lab-grid');
      if (next && g) {
        g.replaceWith(next);
        // The editor stays where it was (the same page, changed); labelling moves on to the next page.
        const editing = next.hasAttribute('data-editor');
        if (!editing) window.scrollTo({ top: 0 });
        historyFor = null;
        reset(editing ? state.cursor : 0);
        showSession(Number(next.querySelector('.lab-note[data-labelled]')?.dataset.labelled ?? 0));
        prefetch();
        document.dispatchEvent(new CustomEvent('labeler:shown'));
      }
    } catch (err) {
      status(`Could not reach the server: ${err.message}`);
    } finally {
      state.busy = false;
      grid()?.classList.remove('busy');
    }
  }

  function apply() {
    const chosen = tiles().filter((t) => t.classList.contains('sel'));
    const g = grid();
    if (!g || chosen.length === 0) return status('Select images first (click, shift-click, a for all)');
    const label = armed();
    if (!label) return status('Pick a label first (1–9): none is shown pressed');
    return post('/labeler/apply', {
      plot: g.dataset.plot,
      label,
      images: chosen.map((t) => t.dataset.id).join(','),
      batch: uuid(),
    });
  }

  // f: flag the selection unsure for a second expert (or, when all of it is flagged already, clear the flag).
  function unsure() {
    const chosen = tiles().filter((t) => t.classList.contains('sel'));
    const g = grid();
    if (!g || chosen.length === 0) return status('Select images first, then f flags them unsure');
    const all = chosen.every((t) => t.classList.contains('unsure'));
    return post('/labeler/unsure', {
      plot: g.dataset.plot,
      images: chosen.map((t) => t.dataset.id).join(','),
      batch: uuid(),
      unsure: all ? 'off' : 'on',
    });
  }

  // c: a comment on each selected image, for whoever labels it next.
  function comment() {
    const chosen = tiles().filter((t) => t.classList.contains('sel'));
    const g = grid();
    if (!g || chosen.length === 0) return status('Select images first, then c comments on them');
    const text = window.prompt(`Comment on ${chosen.length} image${chosen.length === 1 ? '' : 's'}`);
    if (!text?.trim()) return;
    return post('/labeler/comment', {
      plot: g.dataset.plot,
      images: chosen.map((t) => t.dataset.id).join(','),
      batch: uuid(),
      comment: text.trim(),
    });
  }

  // r (editor): withdraw the selection's labels; each image's history keeps what they were.
  function retract() {
    const chosen = tiles().filter((t) => t.classList.contains('sel'));
    const g = grid();
    if (!g || chosen.length === 0) return status('Select images first, then r withdraws their labels');
    const labelled = chosen.filter((t) => t.dataset.label);
    if (labelled.length === 0) return status('None of the selected images has a label to withdraw');
    if (!window.confirm(`Withdraw the labels of ${labelled.length} image${labelled.length === 1 ? '' : 's'}?`)) return;
    return post('/labeler/retract', {
      plot: g.dataset.plot,
      images: labelled.map((t) => t.dataset.id).join(','),
      batch: uuid(),
    });
  }

  function undo(batch) {
    const b = batch ?? state.lastBatch;
    if (!b) return status('Nothing to undo');
    return post('/labeler/undo', { batch: b });
  }

  document.addEventListener('click', (e) => {
    if (!page()) return;
    const pal = e.target.closest?.('.pal');
    // Buttons give the focus back, so Enter and space keep meaning apply and toggle.
    if (pal) {
      pal.blur();
      return pickLabel(pal.dataset.label);
    }
    const u = e.target.closest?.('.lab-undo');
    if (u) {
      u.blur();
      return undo(u.dataset.undo);
    }
    const t = e.target.closest?.('#lab-grid .lt');
    if (!t) return;
    e.preventDefault();
    const i = Number(t.dataset.i);
    if (e.shiftKey && state.anchor !== null) selectRange(state.anchor, i, true);
    else {
      select(i);
      state.anchor = i;
    }
    moveCursor(i);
    status();
  });
  // Shift-click would otherwise select the page's text.
  document.addEventListener('mousedown', (e) => {
    if (e.shiftKey && e.target.closest?.('#lab-grid .lt')) e.preventDefault();
  });

  document.addEventListener('keydown', (e) => {
    if (!page() || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest?.('input, select, textarea, summary, [contenteditable]')) return;
    const k = e.key;
    if (/^[1-9]$/.test(k)) {
      const b = page().querySelector(`.pal[data-key="${k}"]`);
      if (b) pickLabel(b.dataset.label);
    } else if (k === 'Enter') apply();
    else if (k === 'u') undo();
    else if (k === 'f') unsure();
    else if (k === 'c') comment();
    else if (k === 'r' && grid()?.hasAttribute('data-editor')) retract();
    else if (k === 'a') {
      selectRange(0, tiles().length - 1, true);
      status();
    } else if (k === 'Escape') {
      tiles().forEach((_, i) => select(i, false));
      status();
    } else if (k === ' ') {
      select(state.cursor);
      state.anchor = state.cursor;
      status();
    } else if (k === 'ArrowRight' || k === 'ArrowLeft' || k === 'ArrowDown' || k === 'ArrowUp') {
      const step = k === 'ArrowRight' ? 1 : k === 'ArrowLeft' ? -1 : k === 'ArrowDown' ? columns() : -columns();
      const from = state.cursor;
      moveCursor(from + step);
      // Shift+arrow extends the selection from where the cursor was.
      if (e.shiftKey) {
        selectRange(from, state.cursor, true);
        status();
      }
    } else return;
    e.preventDefault();
  });

  // The plot-type picker goes there at once; the thumbnail size is remembered.
  document.addEventListener('change', (e) => {
    if (e.target.matches?.('select[data-autosubmit]')) e.target.form.submit();
  });
  function applySize() {
    const v = localStorage.getItem('hydra.labSize');
    const el = document.getElementById('lab-size');
    if (v) document.documentElement.style.setProperty('--lt', `${v}px`);
    if (v && el) el.value = v;
  }
  document.addEventListener('input', (e) => {
    if (e.target.id === 'lab-size') {
      localStorage.setItem('hydra.labSize', e.target.value);
      applySize();
    }
  });

  document.addEventListener('DOMContentLoaded', () => {
    applySize();
    showSession();
    reset();
    prefetch();
  });
})();
