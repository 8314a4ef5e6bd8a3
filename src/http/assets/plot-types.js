// The plot-type form: masks drawn as rectangles on a recent image of the type. Dragging across the image fills the
// next empty mask row with the rectangle in the image's own pixels; the rows are the form (the server checks them).
(() => {
  const canvas = () => document.getElementById('mask-canvas');
  const rows = () => [...document.querySelectorAll('#mask-rows .mask-row')];
  const cell = (row, c) => row.querySelector(`input[name$=".${c}"]`);
  const RECT = ['x', 'y', 'width', 'height'];

  function scale() {
    const img = canvas()?.querySelector('img');
    if (!img?.naturalWidth) return null;
    const box = img.getBoundingClientRect();
    return { img, box, sx: img.naturalWidth / box.width, sy: img.naturalHeight / box.height };
  }

  /** Every mask row with four whole numbers, drawn over the image. */
  function draw() {
    const c = canvas();
    const s = scale();
    if (!c || !s) return;
    const layer = c.querySelector('.mask-layer');
    layer.replaceChildren();
    rows().forEach((row, i) => {
      const v = RECT.map((k) => cell(row, k)?.value.trim() ?? '');
      if (!v.every((t) => /^[0-9]+$/.test(t))) return;
      const [x, y, w, h] = v.map(Number);
      const r = document.createElement('div');
      r.className = 'mask-rect';
      r.textContent = String(i + 1);
      Object.assign(r.style, {
        left: `${x / s.sx}px`,
        top: `${y / s.sy}px`,
        width: `${w / s.sx}px`,
        height: `${h / s.sy}px`,
      });
      layer.append(r);
    });
  }

  /** A new empty row after the last (the server numbers rows by their fields' names). */
  function emptyRow() {
    const all = rows();
    const free = all.find((row) => RECT.every((k) => !cell(row, k)?.value.trim()));
    if (free) return free;
    const last = all.at(-1);
    if (!last) return null;
    const n = Number(last.dataset.row) + 1;
    const copy = last.cloneNode(true);
    copy.dataset.row = String(n);
    copy.querySelector('td').textContent = String(n + 1);
    copy.querySelectorAll('input').forEach((input) => {
      input.name = input.name.replace(/^masks\.\d+\./, `masks.${n}.`);
      input.value = '';
    });
    copy.querySelectorAll('.field-problem').forEach((p) => p.remove());
    last.after(copy);
    return copy;
  }

  function start(e) {
    const s = scale();
    if (!s || e.button !== 0 || s.img.closest('form')?.querySelector('button[type="submit"]') === null) return;
    e.preventDefault();
    const at = (ev) => ({
      x: Math.min(Math.max(ev.clientX - s.box.left, 0), s.box.width),
      y: Math.min(Math.max(ev.clientY - s.box.top, 0), s.box.height),
    });
    const from = at(e);
    const layer = canvas().querySelector('.mask-layer');
    const live = Object.assign(document.createElement('div'), { className: 'mask-rect drawing' });
    layer.append(live);
    const box = (to) => ({
      x: Math.min(from.x, to.x),
      y: Math.min(from.y, to.y),
      w: Math.abs(to.x - from.x),
      h: Math.abs(to.y - from.y),
    });
    const move = (ev) => {
      const b = box(at(ev));
      Object.assign(live.style, { left: `${b.x}px`, top: `${b.y}px`, width: `${b.w}px`, height: `${b.h}px` });
    };
    const up = (ev) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      const b = box(at(ev));
      const px = {
        x: Math.round(b.x * s.sx),
        y: Math.round(b.y * s.sy),
        width: Math.round(b.w * s.sx),
        height: Math.round(b.h * s.sy),
      };
      if (px.width >= 1 && px.height >= 1) {
        const row = emptyRow();
        if (row) for (const k of RECT) cell(row, k).value = String(px[k]);
      }
      draw();
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  document.addEventListener('pointerdown', (e) => {
    if (e.target instanceof Element && e.target.closest('#mask-canvas .mask-stage')) start(e);
  });
  document.addEventListener('input', (e) => {
    if (e.target instanceof Element && e.target.closest('#mask-rows')) draw();
  });
  document.addEventListener('click', (e) => {
    const b = e.target instanceof Element ? e.target.closest('.mask-clear') : null;
    if (!b) return;
    b.closest('.mask-row')
      .querySelectorAll('input')
      .forEach((input) => {
        input.value = '';
      });
    draw();
  });
  // Colour pickers show their value beside them.
  document.addEventListener('input', (e) => {
    if (e.target instanceof HTMLInputElement && e.target.type === 'color') {
      const code = e.target.parentElement?.querySelector('code');
      if (code) code.textContent = e.target.value;
    }
  });
  const ready = () => {
    const img = canvas()?.querySelector('img');
    if (img && !img.complete) img.addEventListener('load', draw, { once: true });
    draw();
  };
  window.addEventListener('resize', draw);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
