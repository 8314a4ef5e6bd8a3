import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { BlobNotFoundError } from '../../blobs/store.ts';
import { sha256Schema } from '../../events/define.ts';
import { HttpError, NotFoundError } from '../errors.ts';
import { ThumbnailCache, sniffImageType } from '../live/thumbs.ts';
import { noQuery, type ZodTypeProvider } from '../plugins/schemas.ts';
import { loadImageDetail } from '../queries/detail.ts';
import { detailView } from '../views/detail.ts';

const bySha = z.object({ sha: sha256Schema });
/** Content-addressed: the bytes behind a name never change, so browsers may keep them a year. */
const FOREVER = 'public, max-age=31536000, immutable';

/** Image detail, and images and heatmaps from the object store (full size and as thumbnails). */
export const imageRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const thumbs = new ThumbnailCache();
  const load = async (sha: string) => {
    try {
      return await app.hydra.blobs.get(sha);
    } catch (err) {
      if (err instanceof BlobNotFoundError) throw new NotFoundError(`image ${sha}`, { cause: err });
      throw err;
    }
  };

  // An arrival's page; an image id (a link made from the content) opens the image's latest arrival.
  app.get(
    '/images/:id',
    { config: { access: 'watch' }, schema: { params: z.object({ id: sha256Schema }), querystring: noQuery } },
    async (req, reply) => {
      const detail = await loadImageDetail(app.hydra.db, req.params.id);
      if (!detail) throw new NotFoundError(`image ${req.params.id}`);
      return reply.view(detailView(detail, reply.viewContext()));
    },
  );

  app.get(
    '/blobs/:sha',
    { config: { access: 'watch' }, schema: { params: bySha, querystring: noQuery } },
    async (req, reply) => {
      if (req.headers['if-none-match'] === `"${req.params.sha}"`) return reply.status(304).send();
      const bytes = await load(req.params.sha);
      return reply
        .header('content-type', sniffImageType(bytes))
        .header('cache-control', FOREVER)
        .header('etag', `"${req.params.sha}"`)
        .send(Buffer.from(bytes));
    },
  );

  app.get(
    '/blobs/:sha/thumb',
    { config: { access: 'watch' }, schema: { params: bySha, querystring: noQuery } },
    async (req, reply) => {
      const etag = `"${req.params.sha}-t"`;
      if (req.headers['if-none-match'] === etag) return reply.status(304).send();
      const out = await thumbs
        .get(req.params.sha, () => load(req.params.sha))
        .catch((err: unknown) => {
          if (err instanceof HttpError) throw err;
          throw new HttpError(415, 'HYDRA_HTTP_NOT_AN_IMAGE', `blob ${req.params.sha} is not an image`, { cause: err });
        });
      return reply.header('content-type', 'image/webp').header('cache-control', FOREVER).header('etag', etag).send(out);
    },
  );
};
