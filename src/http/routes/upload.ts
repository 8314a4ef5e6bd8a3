import type { FastifyPluginAsync } from 'fastify';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import { tokenSchema } from '../../events/define.ts';
import { describeIssues, optionalText, wholeNumberText } from '../../text-input.ts';
import { Ingestor, type IngestOutcome } from '../../ingest/ingest.ts';
import { actor } from '../plugins/auth.ts';

export interface UploadOptions {
  readonly ingestor: Ingestor;
  readonly maxBytes: number;
}

const fieldsSchema = z.strictObject({
  plotType: tokenSchema,
  run: wholeNumberText(),
  chunk: wholeNumberText(),
  pad: optionalText(wholeNumberText()).transform((p) => p ?? 1),
  runPeriod: optionalText(z.string().max(64)),
});

const problem = (code: string, message: string) => ({ error: code, message });

/**
 * POST /api/images: the upload path for clients that cannot share the inbox directory. The same
 * Ingestor as the feeder: same checks, same events. The size limit is enforced while streaming. Clients need
 * a Labeler's API token (`Authorization: Bearer …`, or HYDRA_API_TOKEN) or session; the auth plugin checks it
 * before a byte of the body is read.
 */
export const uploadRoutes: FastifyPluginAsync<UploadOptions> = async (app, opts) => {
  await app.register(multipart, { limits: { fileSize: opts.maxBytes, files: 1, fields: 10, fieldSize: 1000 } });

  app.post(
    '/api/images',
    {
      config: { access: 'labeler' },
      schema: {
        summary: 'Upload one plot image (multipart: file, plotType, run, chunk[, pad, runPeriod])',
        consumes: ['multipart/form-data'],
        response: {
          201: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              arrivalId: { type: 'string' },
              imageId: { type: 'string' },
              plotType: { type: 'string' },
              duplicate: { type: 'boolean' },
              sampled: { type: 'boolean' },
            },
          },
          202: {
            type: 'object',
            properties: { status: { type: 'string' }, imageId: { type: 'string' }, message: { type: 'string' } },
          },
          '4xx': {
            type: 'object',
            properties: { error: { type: 'string' }, message: { type: 'string' }, rejectionId: { type: 'string' } },
          },
        },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart())
        return reply
          .code(415)
          .send(problem('not-multipart', 'send multipart/form-data with a file part and plotType, run, chunk fields'));
      // A field sent twice is kept twice, so that the schema refuses it rather than one copy winning.
      const fields: Record<string, string | string[]> = {};
      let file: { name: string; bytes: Buffer } | null = null;
      try {
        for await (const part of req.parts()) {
          if (part.type === 'file') {
            if (file) return reply.code(400).send(problem('too-many-files', 'send exactly one file per request'));
            file = { name: part.filename, bytes: await part.toBuffer() };
          } else {
            const prev = fields[part.fieldname];
            const value = String(part.value);
            fields[part.fieldname] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
          }
        }
      } catch (err) {
        const e = err as { code?: string; message: string };
        if (e.code === 'FST_REQ_FILE_TOO_LARGE')
          return reply.code(413).send(problem('too-large', `the file is over the limit of ${opts.maxBytes} bytes`));
        if (e.code === 'FST_FILES_LIMIT')
          return reply.code(400).send(problem('too-many-files', 'send exactly one file per request'));
        return reply.code(400).send(problem('bad-multipart', e.message));
      }
      if (!file) return reply.code(400).send(problem('no-file', 'the request has no file part'));
      const parsed = fieldsSchema.safeParse(fields);
      if (!parsed.success) {
        return reply.code(400).send(problem('bad-fields', describeIssues(parsed.error.issues, fields, 'fields')));
      }
      const f = parsed.data;
      const fileName = file.name.split(/[\\/]/).pop() || 'upload.png';
      const outcome: IngestOutcome = await opts.ingestor.ingest(file.bytes, {
        source: `upload:${fileName}`,
        user: actor(req).name,
        fileName,
        run: f.run,
        ...(f.runPeriod ? { runPeriod: f.runPeriod } : {}),
        declared: { plotType: f.plotType, pad: f.pad, chunk: f.chunk },
      });
      switch (outcome.kind) {
        case 'arrived':
          return reply.code(201).send({
            status: outcome.duplicate ? 'duplicate' : 'arrived',
            arrivalId: outcome.arrivalId,
            imageId: outcome.imageId,
            plotType: outcome.plotType,
            duplicate: outcome.duplicate,
            sampled: outcome.sampled,
          });
        case 'unassigned':
          return reply.code(202).send({
            status: 'unassigned',
            imageId: outcome.imageId,
            message: `plot type "${f.plotType}" is not configured; the image is kept and will be ingested once it is`,
          });
        case 'rejected':
          await Ingestor.quarantine(outcome, { bytes: file.bytes });
          return reply
            .code(outcome.code === 'too-large' ? 413 : 422)
            .send({ error: outcome.code, message: outcome.reason, rejectionId: outcome.rejectionId });
      }
    },
  );
};
