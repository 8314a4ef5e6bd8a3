import multipart from '@fastify/multipart';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { tokenSchema } from '../../events/define.ts';
import { ModelLifecycleError } from '../../models/decide.ts';
import { importModel } from '../../models/lifecycle.ts';
import { OnnxLoadError } from '../../models/onnx-check.ts';
import { plotTypeRow } from '../../projections/plot-types/queries.ts';
import { href } from '../html.ts';
import { HttpError } from '../errors.ts';
import { actorMetadata, requireRoleFor } from '../plugins/auth.ts';
import type { ZodTypeProvider } from '../plugins/schemas.ts';
import { shown } from './library.ts';

/** The largest ONNX file the page takes (a plot type's CNN is a few MiB; a big pretrained backbone stays under this). */
export const MAX_ONNX_BYTES = 256 * 1024 * 1024;

const importBody = z.object({
  plot: tokenSchema,
  labels: z
    .string()
    .max(2000)
    .transform((s) =>
      s
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    )
    .pipe(z.array(tokenSchema)),
  comment: z.string().trim().max(2000).optional(),
  file: z.instanceof(Buffer, { message: 'expected an ONNX file' }),
});

/**
 * The Library's Import ONNX form (`POST /library/models/import`, multipart: `plot`, `labels`, `comment`, `file`): an
 * Expert of the plot type's detector registers a model trained elsewhere through `importModel`, as
 * `hydra models import` does; a file that does not load or does not fit the plot type is a 400 saying why.
 */
export const modelImportRoutes: FastifyPluginAsync = async (app0) => {
  // The form's fields (its CSRF token too) are read before the forgery check, which takes the token from the body.
  await app0.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_ONNX_BYTES, files: 1, fields: 10, fieldSize: 4000 },
  });
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { db, log, blobs } = app.hydra;

  app.post(
    '/library/models/import',
    { config: { access: 'expert' }, schema: { body: importBody, consumes: ['multipart/form-data'] } },
    async (req, reply) => {
      const b = req.body;
      const plot = await plotTypeRow(db, b.plot);
      if (!plot || plot.retired)
        throw new HttpError(404, 'HYDRA_PLOT_TYPE_UNKNOWN', `plot type "${b.plot}" is not configured`);
      const user = requireRoleFor(req, 'expert', plot.detector).name;
      if (b.file.length === 0) throw new HttpError(400, 'HYDRA_ONNX_UNREADABLE', 'file: the file is empty');
      try {
        const r = await importModel(
          { log, blobs, plotTypes: { get: (n) => (n === plot.name ? plot.spec : undefined) } },
          { bytes: b.file, plotType: plot.name, labels: b.labels, user, ...(b.comment ? { comment: b.comment } : {}) },
          actorMetadata(req),
        );
        await shown(db, log);
        return reply.redirect(`${href(['library'], { plot: plot.name })}#model-${r.modelId}`, 303);
      } catch (err) {
        if (err instanceof OnnxLoadError) throw new HttpError(400, err.code, `file: ${err.message}`, { cause: err });
        if (err instanceof ModelLifecycleError) throw new HttpError(err.status, err.code, err.message, { cause: err });
        throw err;
      }
    },
  );
};
