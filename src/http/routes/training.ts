import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allows } from '../../accounts/roles.ts';
import { sha256Schema, tokenSchema } from '../../events/define.ts';
import { applyLabels } from '../../labels/apply.ts';
import { LabelError } from '../../labels/decide.ts';
import { retireModel, signOffModel } from '../../models/lifecycle.ts';
import { waitForStream } from '../../projections/checkpoints.ts';
import { labelsProjection } from '../../projections/labels/projection.ts';
import { currentLabels } from '../../projections/labels/queries.ts';
import { modelRow } from '../../projections/models/queries.ts';
import { plotTypeRow } from '../../projections/plot-types/queries.ts';
import { trainingRow } from '../../projections/trainings/queries.ts';
import type { TrainingRow } from '../../projections/trainings/table.ts';
import { cellOf, loadValPredictions, misclassifiedOf, samplesOf } from '../../training/report.ts';
import { cancelTraining } from '../../training/request.ts';
import { optionalText } from '../../text-input.ts';
import { HttpError, NotFoundError, RequestValidationError } from '../errors.ts';
import { actor, actorMetadata, requireRoleFor } from '../plugins/auth.ts';
import { noQuery, type ZodTypeProvider } from '../plugins/schemas.ts';
import { trainingView, type ReportData, type ReportNotice } from '../views/training.ts';
import { lifecycleProblem, mayActOn, shown } from './library.ts';
import { runRow } from '../views/library.ts';
import { isLive, reportProgress } from '../views/training-progress.ts';
import { html, type Html } from '../html.ts';

const byTraining = z.object({ trainingId: tokenSchema });
/** A confusion-matrix cell: the true label and the predicted one, both or neither. */
const cellFields = {
  true: optionalText(tokenSchema),
  predicted: optionalText(tokenSchema),
};
export const reportQuery = z.object(cellFields);
export const relabelBody = z.object({ image: sha256Schema, label: tokenSchema, batch: z.uuid(), ...cellFields });
const signOffBody = z.object({ comment: optionalText(z.string().trim().max(2000)) });
const cancelBody = z.object({ reason: optionalText(z.string().trim().max(500)) });
const rejectBody = z.object({ comment: z.string().trim().min(1, 'say why the model must not be used').max(1900) });

type Cell = { true?: string | undefined; predicted?: string | undefined };

/** The note every label given from a report carries: where it came from. */
export const reportNote = (trainingId: string) => `relabelled from training report ${trainingId}`;

/**
 * The training report (`/training/<id>`, everyone may look): metrics, the enhanced confusion matrix (each cell's count
 * and confidence histogram; a click lists its images), the misclassified validation images as cards with their
 * scores. Labelers relabel a card on the spot (the Labeler's own apply, noted as from the report); an Expert of the
 * detector signs the model off or rejects it (retires it, with the comment as the reason) with the CLI's commands.
 */
export const trainingRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { db, log, blobs } = app.hydra;

  async function run(trainingId: string): Promise<TrainingRow> {
    const t = await trainingRow(db, trainingId);
    if (!t) throw new NotFoundError(`training ${trainingId}`);
    return t;
  }

  async function load(req: FastifyRequest, t: TrainingRow, q: Cell): Promise<ReportData> {
    if ((q.true === undefined) !== (q.predicted === undefined))
      throw new RequestValidationError([
        { path: [q.true ? 'predicted' : 'true'], message: 'a cell needs both labels' },
      ]);
    const [plot, model] = await Promise.all([
      plotTypeRow(db, t.plotType),
      t.modelId ? modelRow(db, t.modelId) : Promise.resolve(null),
    ]);
    const evaluation = model?.evaluation ?? t.result?.evaluation;
    const preds = evaluation ? await loadValPredictions(blobs, t.result?.artifacts?.valPredictions) : null;
    const samples = evaluation ? samplesOf(evaluation, preds) : [];
    const cell =
      q.true !== undefined && q.predicted !== undefined
        ? { label: q.true, predicted: q.predicted, samples: cellOf(samples, q.true, q.predicted) }
        : null;
    const shownIds = [...new Set([...misclassifiedOf(samples), ...(cell?.samples ?? [])].map((s) => s.imageId))];
    const p = req.user;
    return {
      training: t,
      plot,
      model,
      samples,
      complete: preds !== null,
      labels: await currentLabels(db, shownIds),
      cell,
      mayLabel: !!p && allows(p.roles, 'labeler'),
      mayJudge: !!p && !!plot && allows(p.roles, 'expert', plot.detector),
      batchId: randomUUID,
    };
  }

  async function page(
    req: FastifyRequest,
    reply: FastifyReply,
    t: TrainingRow,
    q: Cell,
    n: ReportNotice = {},
    s = 200,
  ) {
    return reply.status(s).view(trainingView(await load(req, t, q), reply.viewContext(), n));
  }

  /** Signs off or rejects the run's model as an Expert of its detector; a refusal is shown on the report. */
  async function judge(
    req: FastifyRequest,
    reply: FastifyReply,
    trainingId: string,
    fn: (modelId: string, user: string) => Promise<string>,
  ) {
    const t = await run(trainingId);
    const plot = await plotTypeRow(db, t.plotType);
    if (!t.modelId || !plot)
      throw new HttpError(409, 'HYDRA_TRAINING_NO_MODEL', `training ${trainingId} has no model to judge`);
    const user = requireRoleFor(req, 'expert', plot.detector).name;
    try {
      const ok = await fn(t.modelId, user);
      await shown(db, log);
      return page(req, reply, (await trainingRow(db, trainingId)) ?? t, {}, { ok });
    } catch (err) {
      const { status, problem } = lifecycleProblem(err);
      return page(req, reply, t, {}, { problem }, status);
    }
  }

  app.get('/training/:trainingId', { schema: { params: byTraining, querystring: reportQuery } }, async (req, reply) =>
    page(req, reply, await run(req.params.trainingId), req.query),
  );

  /**
   * The live parts of a run (the report's status block and curve, the Library's row): what a page polls while the
   * run trains. Once the run has an outcome the fragment renders without its trigger, and an htmx request is told
   * to reload the page, which shows the whole report (or the Library with the new model).
   */
  function live(req: FastifyRequest, reply: FastifyReply, t: TrainingRow, part: Html, title: string) {
    if (req.isHtmx && !isLive(t)) void reply.header('hx-refresh', 'true');
    const main = html`<section class="report"><h1>${title} <span class="muted">${t.trainingId}</span></h1>${part}</section>`;
    return reply.view({ page: 'library', title: `${title} ${t.trainingId}`, main, partial: part });
  }

  app.get(
    '/training/:trainingId/progress',
    { schema: { params: byTraining, querystring: noQuery } },
    async (req, reply) => {
      const t = await run(req.params.trainingId);
      return live(req, reply, t, reportProgress(t), 'Training progress');
    },
  );

  app.get('/training/:trainingId/row', { schema: { params: byTraining, querystring: noQuery } }, async (req, reply) => {
    const t = await run(req.params.trainingId);
    const plot = await plotTypeRow(db, t.plotType);
    const row = runRow(t, !!plot && mayActOn(req, plot), reply.viewContext());
    return live(req, reply, t, row, 'Training run');
  });

  app.post(
    '/training/:trainingId/relabel',
    { config: { access: 'labeler' }, schema: { params: byTraining, body: relabelBody } },
    async (req, reply) => {
      const b = req.body;
      const t = await run(req.params.trainingId);
      const data = await load(req, t, {});
      if (!data.samples.some((s) => s.imageId === b.image))
        throw new HttpError(
          400,
          'HYDRA_REPORT_NOT_VALIDATION',
          `image ${b.image} is not a validation image of this run`,
        );
      if (!data.plot || data.plot.retired)
        throw new HttpError(400, 'HYDRA_LABEL_UNKNOWN_PLOT_TYPE', `plot type "${t.plotType}" is not configured`);
      const cmd = {
        plotType: t.plotType,
        label: b.label,
        imageIds: [b.image],
        user: actor(req).name,
        batch: b.batch,
        comment: reportNote(t.trainingId),
      };
      try {
        const r = await applyLabels({ db, log }, data.plot.spec, cmd, actorMetadata(req));
        // The report shows labels from the labels read model: the answer waits for it to hold this one.
        await waitForStream(db, log, [labelsProjection], { timeoutMs: 5000, maxPauseMs: 20 });
        const ok = r.stored ? `Labelled ${b.image.slice(0, 12)} as ${b.label}.` : `It already was ${b.label}.`;
        return page(req, reply, t, b, { ok });
      } catch (err) {
        if (err instanceof LabelError) return page(req, reply, t, b, { problem: err.message }, err.status);
        throw err;
      }
    },
  );

  app.post(
    '/training/:trainingId/signoff',
    { config: { access: 'expert' }, schema: { params: byTraining, body: signOffBody } },
    async (req, reply) =>
      judge(req, reply, req.params.trainingId, async (modelId, user) => {
        const comment = req.body.comment;
        await signOffModel(log, { modelId, user, ...(comment ? { comment } : {}) }, actorMetadata(req));
        return `${modelId} signed off by ${user}.`;
      }),
  );

  app.post(
    '/training/:trainingId/cancel',
    { config: { access: 'expert' }, schema: { params: byTraining, body: cancelBody } },
    async (req, reply) => {
      const t = await run(req.params.trainingId);
      const plot = await plotTypeRow(db, t.plotType);
      if (!plot) throw new NotFoundError(`plot type ${t.plotType}`);
      const user = requireRoleFor(req, 'expert', plot.detector).name;
      const reason = req.body.reason;
      try {
        await cancelTraining(
          log,
          { trainingId: t.trainingId, user, ...(reason ? { reason } : {}) },
          actorMetadata(req),
        );
        await shown(db, log);
        const ok = `Training ${t.trainingId} cancelled.`;
        return page(req, reply, (await trainingRow(db, t.trainingId)) ?? t, {}, { ok });
      } catch (err) {
        const { status, problem } = lifecycleProblem(err);
        return page(req, reply, t, {}, { problem }, status);
      }
    },
  );

  app.post(
    '/training/:trainingId/reject',
    { config: { access: 'expert' }, schema: { params: byTraining, body: rejectBody } },
    async (req, reply) =>
      judge(req, reply, req.params.trainingId, async (modelId, user) => {
        const reason = `rejected in training report ${req.params.trainingId}: ${req.body.comment}`;
        await retireModel(log, { modelId, user, reason }, actorMetadata(req));
        return `${modelId} rejected: it is retired and cannot be activated.`;
      }),
  );
};
