import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tokenSchema } from '../../events/define.ts';
import { setModelThresholds } from '../../models/lifecycle.ts';
import { modelRow } from '../../projections/models/queries.ts';
import type { ModelRow } from '../../projections/models/table.ts';
import { plotTypeRow } from '../../projections/plot-types/queries.ts';
import { trainingRow } from '../../projections/trainings/queries.ts';
import { loadValPredictions, reportSamples } from '../../training/report.ts';
import { decimalText, optionalText } from '../../text-input.ts';
import { NotFoundError, RequestValidationError } from '../errors.ts';
import { actorMetadata, requireRoleFor } from '../plugins/auth.ts';
import type { ZodTypeProvider } from '../plugins/schemas.ts';
import { thresholdsView, type ThresholdsData, type ThresholdsNotice } from '../views/thresholds.ts';
import { lifecycleProblem, mayActOn, shown } from './library.ts';

const byModel = z.object({ modelId: tokenSchema });
const threshold = decimalText({ min: 0, max: 1 });
/** A threshold being tried on one label (both or neither). */
export const thresholdsQuery = z.object({ label: optionalText(tokenSchema), threshold: optionalText(threshold) });
export const thresholdsBody = z.object({
  label: tokenSchema,
  threshold,
  comment: optionalText(z.string().trim().max(2000)),
});

/**
 * A model's confirmation thresholds (`/library/models/<id>/thresholds`, everyone may look): per label the precision,
 * recall and share of Unconfirmed over the threshold, from the validation predictions kept with the model; a
 * threshold being tried (`?label=&threshold=`, what htmx asks while an Expert drags) shows its effect before it is
 * saved. Saving is `setModelThresholds` (`hydra models thresholds`): `model.thresholds-changed`, which inference
 * applies to later verdicts without a restart.
 */
export const thresholdsRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { db, log, blobs } = app.hydra;

  async function load(req: FastifyRequest, modelId: string, trying: ThresholdsData['trying']): Promise<ThresholdsData> {
    const model = await modelRow(db, modelId);
    const plot = model ? await plotTypeRow(db, model.plotType) : null;
    if (!model || !plot) throw new NotFoundError(`model ${modelId}`);
    if (trying && !model.labels.includes(trying.label))
      throw new RequestValidationError([
        { path: ['label'], message: `not a label of ${modelId} (${model.labels.join(', ')})` },
      ]);
    return { model, plot, samples: await samplesOf(model), trying, mayAct: mayActOn(req, plot) };
  }

  async function samplesOf(model: ModelRow) {
    const t = model.trainingId ? await trainingRow(db, model.trainingId) : null;
    const preds = await loadValPredictions(blobs, t?.result?.artifacts?.valPredictions);
    return preds ? reportSamples(preds) : null;
  }

  const page = async (reply: FastifyReply, d: ThresholdsData, n: ThresholdsNotice = {}, status = 200) =>
    reply.status(status).view(thresholdsView(d, reply.viewContext(), n));

  app.get(
    '/library/models/:modelId/thresholds',
    { schema: { params: byModel, querystring: thresholdsQuery } },
    async (req, reply) => {
      const { label, threshold: t } = req.query;
      if ((label === undefined) !== (t === undefined))
        throw new RequestValidationError([
          { path: [label === undefined ? 'label' : 'threshold'], message: 'a threshold to try needs both' },
        ]);
      const trying = label !== undefined && t !== undefined ? { label, threshold: t } : null;
      return page(reply, await load(req, req.params.modelId, trying));
    },
  );

  app.post(
    '/library/models/:modelId/thresholds',
    { config: { access: 'expert' }, schema: { params: byModel, body: thresholdsBody } },
    async (req, reply) => {
      const { modelId } = req.params;
      const b = req.body;
      const before = await load(req, modelId, { label: b.label, threshold: b.threshold });
      const user = requireRoleFor(req, 'expert', before.plot.detector).name;
      const cmd = {
        modelId,
        user,
        thresholds: { [b.label]: b.threshold },
        ...(b.comment ? { comment: b.comment } : {}),
      };
      try {
        const r = await setModelThresholds(log, cmd, actorMetadata(req));
        await shown(db, log);
        const ok = r
          ? `${b.label} threshold of ${modelId} is now ${b.threshold}: later verdicts use it.`
          : `${b.label} threshold already was ${b.threshold}.`;
        return page(reply, await load(req, modelId, null), { ok });
      } catch (err) {
        const { status, problem } = lifecycleProblem(err);
        return page(reply, before, { problem }, status);
      }
    },
  );
};
