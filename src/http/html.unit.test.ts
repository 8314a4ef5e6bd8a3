import { describe, expect, it } from 'vitest';
import { escapeHtml, href, html, trusted } from './html.ts';

describe('html', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const evil = `<script>alert(1)</script>" onmouseover='x' \``;
    const out = html`<p title="${evil}">${evil}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).toBe(`<p title="${escapeHtml(evil)}">${escapeHtml(evil)}</p>`);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&#39;x&#39; &#96;');
  });

  it('passes nested fragments through once, joins arrays and drops empty values', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}${null}${undefined}${false}${0}</ul>`.value).toBe('<ul><li>&lt;a&gt;</li><li>b</li>0</ul>');
    expect(html`${trusted('<b>ok</b>')}`.value).toBe('<b>ok</b>');
  });

  it('builds paths with encoded segments and query values', () => {
    expect(href(['images', 'a/b?c'], { plot: 'x y', page: 2, none: undefined, empty: '' })).toBe(
      '/images/a%2Fb%3Fc?plot=x%20y&page=2',
    );
  });
});
