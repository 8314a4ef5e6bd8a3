/** One Server-Sent Events message: every line of data on its own `data:` line, ended by a blank line. */
export function sseMessage(data: string, opts: { event?: string; id?: string } = {}): string {
  let out = '';
  if (opts.id) out += `id: ${opts.id.replace(/[\r\n]/g, '')}\n`;
  if (opts.event) out += `event: ${opts.event.replace(/[\r\n]/g, '')}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** An htmx 4 partial: the content swapped into `target` (a CSS id selector) with `swap`. */
export function partial(target: string, swap: string, content: string): string {
  return `<hx-partial hx-target="${target}" hx-swap="${swap}">${content}</hx-partial>`;
}
