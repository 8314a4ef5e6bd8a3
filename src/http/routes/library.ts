import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allows } from '../../accounts/roles.ts';
import type { Db } from '../../db/connection.ts';
import { tokenSchema } from '../../events/define.ts';
import { isConcurrencyConflict } from '../../events/errors.ts';
import type { EventLog } from '../../events/log.ts';
import { activationBarOf, ModelLifecycleError, modelBarProblems } from '../../models/decide.ts';
import { activateModel, retireModel, rollbackModel, signOffModel } from '../../models/lifecycle.ts';
import { waitForStream } from '../../projections/checkpoints.ts';
import { modelsProjection } from '../../projections/models/projection.ts';
import { modelRow, modelsOf } from '../../projections/models/queries.ts';
import { livePlotTypes, plotTypeRow } from '../../projections/plot-types/queries.ts';
import type { PlotTypeRow } from '../../projections/plot-types/table.ts';
import { backfillsOf } from '../../projections/backfills/queries.ts';
import { latestDecision } from '../../projections/sustain/queries.ts';
import { trainingsProjection } from '../../projections/trainings/projection.ts';
import { trainingsOf } from '../../projections/trainings/queries.ts';
import { givenParameters, requestTraining, trainingParameterText } from '../../training/request.ts';
import { optionalText } from '../../text-input.ts';
import { HttpError, NotFoundError } from '../errors.ts';
import { actorMetadata, requireRoleFor } from '../plugins/auth.ts';
import type { ZodTypeProvider } from '../plugins/schemas.ts';
import { libraryView, type LibraryData, type LibraryModel, type LibraryNotice } from '../views/library.ts';

export const libraryQuery = z.object({
  plot: optionalText(tokenSchema),
  /** Compare model `a` with model `b`. */
  a: optionalText(tokenSchema),
  b: optionalText(tokenSchema),
});

const dropEmpty = (v: unknown) =>
  v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== '')) : v;
export const trainBody = z.preprocess(
  dropEmpty,
  trainingParameterText.extend({ plot: tokenSchema, reason: z.string().trim().max(500).default('') }),
);
const byModel = z.object({ modelId: tokenSchema });
const commentBody = z.object({ comment: optionalText(z.string().trim().max(2000)) });
const activateBody = z.object({ belowBar: optionalText(z.literal('on')) });
const retireBody = z.object({ reason: optionalText(z.string().trim().max(2000)) });
const rollbackBody = z.object({ plot: tokenSchema, belowBar: optionalText(z.literal('on')) });

/** Everything the Library shows of a plot type: its models with their runs, and runs without a model. */
export async function loadLibrary(
  db: Db,
  plot: PlotTypeRow,
): Promise<{ models: LibraryModel[]; runs: LibraryData['runs'] }> {
  const [models, runs] = await Promise.all([modelsOf(db, plot.name), trainingsOf(db, plot.name)]);
  const byTraining = new Map(runs.map((t) => [t.trainingId, t]));
  const bar = activationBarOf(plot.spec);
  return {
    models: models.map((row) => ({
      row,
      training: row.trainingId ? (byTraining.get(row.trainingId) ?? null) : null,
      underBar: modelBarProblems(row, bar),
    })),
    runs: runs.filter((t) => t.modelId === null || !models.some((m) => m.modelId === t.modelId)),
  };
}

/** Whether this request's user may act on models of this plot type (the routes check again with requireRoleFor). */
export const mayActOn = (req: FastifyRequest, plot: PlotTypeRow): boolean =>
  !!req.user && allows(req.user.roles, 'expert', plot.detector);

/** Waits (at most 5 s) until the models and trainings read models show what was just appended. */
export async function shown(db: Db, log: EventLog): Promise<void> {
  await waitForStream(db, log, [modelsProjection, trainingsProjection], { timeoutMs: 5000 });
}

/** A refused lifecycle command is the expert's to read on the page (with its status), not a server fault. */
export function lifecycleProblem(err: unknown): { status: number; problem: string } {
  if (err instanceof ModelLifecycleError) return { status: err.status, problem: err.message };
  if (isConcurrencyConflict(err))
    return { status: 409, problem: 'another activation for this plot type won the race: look and try again' };
  throw err;
}

/** The plot type a model belongs to; an unknown model is a 404. */
async function plotOfModel(db: Db, modelId: string): Promise<PlotTypeRow> {
  const m = await modelRow(db, modelId);
  const plot = m ? await plotTypeRow(db, m.plotType) : null;
  if (!m || !plot) throw new NotFoundError(`model ${modelId}`);
  return plot;
}

/** The one plot type a training request from the page may name, as requestTraining looks it up. */
const plotLookup = (row: PlotTypeRow) => ({
  get: (name: string) => (name === row.name && !row.retired ? row.spec : undefined),
});

/**
 * The Library (`/library`, everyone may look): every model of a plot type with how it was made and judged; Experts of
 * its detector (and Admins) train, sign off, activate, roll back and retire from it, through the same commands as
 * `hydra train` and `hydra models …`.
 */
export const libraryRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { db, log, config } = app.hydra;

  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    q: z.output<typeof libraryQuery>,
    notice: LibraryNotice = {},
    status = 200,
  ) {
    const plotTypes = await livePlotTypes(db);
    const name = q.plot ?? plotTypes[0]?.name;
    const plot = name === undefined ? null : (plotTypes.find((p) => p.name === name) ?? (await plotTypeRow(db, name)));
    if (name !== undefined && !plot) throw new NotFoundError(`plot type ${name}`);
    const { models, runs } = plot ? await loadLibrary(db, plot) : { models: [], runs: [] };
    const pick = (id: string | undefined) => (id ? models.find((m) => m.row.modelId === id) : undefined);
    const [a, b] = [pick(q.a), pick(q.b)];
    if ((q.a && !a) || (q.b && !b)) throw new NotFoundError(`model ${q.a && !a ? q.a : q.b} of ${name}`);
    const data: LibraryData = {
      plotTypes,
      plot,
      models,
      runs,
      mayAct: plot ? mayActOn(req, plot) : false,
      compare: a && b ? [a, b] : null,
      sustain: plot ? await latestDecision(db, plot.name, 'assessed') : null,
      backfills: plot ? await backfillsOf(db, plot.name) : [],
    };
    return reply.status(status).view(libraryView(data, reply.viewContext(), notice));
  }

  /** Runs a command for a plot type's Expert and answers with the plot type's Library, with what happened. */
  async function act(
    req: FastifyRequest,
    reply: FastifyReply,
    plot: PlotTypeRow,
    run: (user: string) => Promise<string>,
  ) {
    const user = requireRoleFor(req, 'expert', plot.detector).name;
    try {
      const ok = await run(user);
      await shown(db, log);
      return page(req, reply, { plot: plot.name }, { ok });
    } catch (err) {
      const { status, problem } = lifecycleProblem(err);
      return page(req, reply, { plot: plot.name }, { problem }, status);
    }
  }

  /** An activation from a page: never an override of a missing sign-off (that stays a command-line choice). */
  const activation = (plot: PlotTypeRow, user: string, belowBar: boolean) => ({
    user,
    override: false,
    admins: config.HYDRA_ADMINS,
    bar: activationBarOf(plot.spec),
    belowBar,
  });

  app.get('/library', { schema: { querystring: libraryQuery } }, async (req, reply) => page(req, reply, req.query));

  app.post('/library/train', { config: { access: 'expert' }, schema: { body: trainBody } }, async (req, reply) => {
    const b = req.body;
    const plot = await plotTypeRow(db, b.plot);
    if (!plot || plot.retired)
      throw new HttpError(404, 'HYDRA_PLOT_TYPE_UNKNOWN', `plot type "${b.plot}" is not configured`);
    return act(req, reply, plot, async (user) => {
      const r = await requestTraining(
        log,
        plotLookup(plot),
        { plotType: plot.name, parameters: givenParameters(b), reason: b.reason, requester: user },
        { producer: 'http', user },
      );
      return `Training ${r.trainingId} requested: a training worker takes it next.`;
    });
  });

  app.post(
    '/library/models/:modelId/signoff',
    { config: { access: 'expert' }, schema: { params: byModel, body: commentBody } },
    async (req, reply) => {
      const { modelId } = req.params;
      return act(req, reply, await plotOfModel(db, modelId), async (user) => {
        const comment = req.body.comment;
        await signOffModel(log, { modelId, user, ...(comment ? { comment } : {}) }, actorMetadata(req));
        return `${modelId} signed off by ${user}.`;
      });
    },
  );

  app.post(
    '/library/models/:modelId/activate',
    { config: { access: 'expert' }, schema: { params: byModel, body: activateBody } },
    async (req, reply) => {
      const { modelId } = req.params;
      const plot = await plotOfModel(db, modelId);
      return act(req, reply, plot, async (user) => {
        const cmd = { ...activation(plot, user, req.body.belowBar === 'on'), modelId };
        const r = await activateModel(log, cmd, actorMetadata(req));
        return `${modelId} is now active${r.previousModelId ? ` (replacing ${r.previousModelId})` : ''}.`;
      });
    },
  );

  app.post(
    '/library/models/:modelId/retire',
    { config: { access: 'expert' }, schema: { params: byModel, body: retireBody } },
    async (req, reply) => {
      const { modelId } = req.params;
      return act(req, reply, await plotOfModel(db, modelId), async (user) => {
        const reason = req.body.reason;
        await retireModel(log, { modelId, user, ...(reason ? { reason } : {}) }, actorMetadata(req));
        return `${modelId} retired.`;
      });
    },
  );

  app.post(
    '/library/rollback',
    { config: { access: 'expert' }, schema: { body: rollbackBody } },
    async (req, reply) => {
      const plot = await plotTypeRow(db, req.body.plot);
      if (!plot) throw new NotFoundError(`plot type ${req.body.plot}`);
      return act(req, reply, plot, async (user) => {
        const cmd = { ...activation(plot, user, req.body.belowBar === 'on'), plotType: plot.name };
        const r = await rollbackModel(log, cmd, actorMetadata(req));
        return `Rolled back: ${r.modelId} is active again.`;
      });
    },
  );
};
