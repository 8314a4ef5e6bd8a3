import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ASSETS_DIR = path.resolve(here, '../assets');
/** htmx as npm ships it (pinned in package.json): nothing vendored by hand, nothing fetched from a CDN. */
export const HTMX_DIR = `${path.dirname(createRequire(import.meta.url).resolve('htmx.org/package.json'))}/dist`;

export interface AssetOptions {
  /** More static folders (the benchmark serves a file of the Run page's size through the same server). */
  readonly extra?: readonly { prefix: string; root: string }[];
}

export const assetsPlugin = fp<AssetOptions>(
  async (app0, opts) => {
    // Static files are for everyone (the sign-in page needs them too): an encapsulated context declares it.
    await app0.register(async (app) => {
      app.addHook('onRoute', (route) => {
        route.config = { ...route.config, access: 'public' };
      });
      await files(app, opts);
    });
  },
  { name: 'assets', fastify: '5.x' },
);

async function files(app: FastifyInstance, opts: AssetOptions): Promise<void> {
  // Our own stylesheet and script: revalidated (ETag) so a deploy shows at the next load.
  await app.register(fastifyStatic, {
    root: ASSETS_DIR,
    prefix: '/assets/',
    decorateReply: false,
    cacheControl: true,
    maxAge: 0,
  });
  // htmx's URLs carry its version, so they may be cached for a year.
  await app.register(fastifyStatic, {
    root: HTMX_DIR,
    prefix: '/vendor/htmx/',
    decorateReply: false,
    immutable: true,
    maxAge: '365d',
    allowedPath: (p) => /^\/(htmx\.min\.js|htmx\.js|ext\/hx-sse(\.min)?\.js)(\.map)?$/.test(p),
  });
  for (const x of opts.extra ?? [])
    await app.register(fastifyStatic, { root: x.root, prefix: x.prefix, decorateReply: false });
}
