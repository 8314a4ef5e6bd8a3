import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { backfillRangeOf, backfillRangeText, requestBackfill } from '../../backfill/request.ts';
import { tokenSchema } from '../../events/define.ts';
import { ModelLifecycleError } from '../../models/decide.ts';
import { waitForStream } from '../../projections/checkpoints.ts';
import { backfillsProjection } from '../../projections/backfills/projection.ts';
import { backfillRow, backfillVerdictsOf } from '../../projections/backfills/queries.ts';
import { modelRow } from '../../projections/models/queries.ts';
import { plotTypeRow } from '../../projections/plot-types/queries.ts';
import { optionalText, wholeNumberText } from '../../text-input.ts';
import { HttpError, NotFoundError, RequestValidationError } from '../errors.ts';
import { zonedToUtc } from '../format.ts';
import { requireRoleFor } from '../plugins/auth.ts';
import type { ZodTypeProvider } from '../plugins/schemas.ts';
import { BACKFILL_PAGE_SIZE, backfillHref, backfillView } from '../views/backfill.ts';

const byModel = z.object({ modelId: tokenSchema });
const byBackfill = z.object({ backfillId: tokenSchema });
const dropEmpty = (v: unknown) =>
  v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== '')) : v;
/** The "Run over history" form: fields left empty are absent (the same parser as `hydra models backfill`). */
export const backfillBody = z.preprocess(dropEmpty, backfillRangeText);
const outcome = z.string().min(1).max(140);
export const backfillQuery = z.object({
  changed: optionalText(z.literal('only')),
  /** One cell of the had → now matrix: the arrivals that had this outcome and have that one now. */
  had: optionalText(outcome),
  now: optionalText(outcome),
  page: optionalText(wholeNumberText({ min: 1, max: 1_000_000 })).transform((n) => n ?? 1),
});

/**
 * Running a model over history: `POST /library/models/<id>/backfill` (an Expert of the model's detector, or an Admin)
 * is `requestBackfill`, the command `hydra models backfill` runs, and answers with the backfill's page; a backfill
 * worker does the work. `/backfills/<id>` (everyone may look) shows its progress while it runs (htmx asks again every
 * two seconds), then the agreement, the had → now matrix and every arrival's two verdicts, changed ones first.
 */
export const backfillRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { db, log, config } = app.hydra;

  app.post(
    '/library/models/:modelId/backfill',
    { config: { access: 'expert' }, schema: { params: byModel, body: backfillBody } },
    async (req, reply) => {
      const model = await modelRow(db, req.params.modelId);
      const plot = model ? await plotTypeRow(db, model.plotType) : null;
      if (!model || !plot) throw new NotFoundError(`model ${req.params.modelId}`);
      const user = requireRoleFor(req, 'expert', plot.detector).name;
      try {
        const r = await requestBackfill(
          log,
          async () => model,
          {
            modelId: model.modelId,
            plotType: model.plotType,
            ...backfillRangeOf(req.body, (t) => zonedToUtc(t, config.HYDRA_TIMEZONE)),
            user,
          },
          { producer: 'http', user },
        );
        await waitForStream(db, log, [backfillsProjection], { timeoutMs: 5000, maxPauseMs: 20 });
        return reply.redirect(backfillHref(r.backfillId), 303);
      } catch (err) {
        if (err instanceof ModelLifecycleError) throw new HttpError(err.status, err.code, err.message, { cause: err });
        throw err;
      }
    },
  );

  app.get(
    '/backfills/:backfillId',
    { schema: { params: byBackfill, querystring: backfillQuery } },
    async (req, reply) => {
      const backfill = await backfillRow(db, req.params.backfillId);
      if (!backfill) throw new NotFoundError(`backfill ${req.params.backfillId}`);
      const { page, changed, had, now } = req.query;
      if ((had === undefined) !== (now === undefined))
        throw new RequestValidationError([{ path: [had === undefined ? 'had' : 'now'], message: 'a pair needs both' }]);
      const filter = {
        changedOnly: changed === 'only',
        ...(had !== undefined && now !== undefined ? { pair: { had, now } } : {}),
      };
      const [model, plot, verdicts] = await Promise.all([
        modelRow(db, backfill.modelId),
        plotTypeRow(db, backfill.plotType),
        backfillVerdictsOf(db, backfill.backfillId, {
          limit: BACKFILL_PAGE_SIZE,
          offset: (page - 1) * BACKFILL_PAGE_SIZE,
          ...filter,
        }),
      ]);
      const data = {
        backfill,
        model,
        plot,
        verdicts: verdicts.rows,
        shown: verdicts.total,
        page,
        filter,
      };
      return reply.view(backfillView(data, reply.viewContext()));
    },
  );
};
