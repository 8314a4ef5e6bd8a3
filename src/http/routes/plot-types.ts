import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allows } from '../../accounts/roles.ts';
import { tokenSchema } from '../../events/define.ts';
import { isConcurrencyConflict } from '../../events/errors.ts';
import { sha256Schema } from '../../events/define.ts';
import { DEFAULT_PATTERN } from '../../ingest/naming.ts';
import { applyPlotTypes, currentPlotTypes } from '../../plottypes/commands.ts';
import { checkPlotTypeForm, formFromSpec, type FormFields } from '../../plottypes/form.ts';
import { describeProblem, type PlotTypeProblem } from '../../plottypes/plan.ts';
import { waitForStream } from '../../projections/checkpoints.ts';
import { latestImageOf, unassignedImage, unassignedImages } from '../../projections/images/queries.ts';
import type { UnassignedRow } from '../../projections/images/table.ts';
import { plotTypesProjection } from '../../projections/plot-types/projection.ts';
import { allPlotTypes, plotTypeRow } from '../../projections/plot-types/queries.ts';
import { optionalText } from '../../text-input.ts';
import { NotFoundError } from '../errors.ts';
import { actorMetadata, requireRoleFor } from '../plugins/auth.ts';
import { noQuery, type ZodTypeProvider } from '../plugins/schemas.ts';
import {
  plotTypeFormView,
  plotTypeListView,
  type PlotTypeFormData,
  type PlotTypesNotice,
  type WaitingGroup,
} from '../views/plot-types.ts';

const formBody = z
  .record(z.string().max(100), z.union([z.string().max(2000), z.array(z.string().max(2000))]))
  .refine((b) => Object.keys(b).length <= 1000, 'too many fields');
const byName = z.object({ name: tokenSchema });
const newQuery = z.object({ image: optionalText(sha256Schema) });

/** A new plot type's form from an image waiting for it: its name, a detector guessed from it, the usual defaults. */
function formForWaiting(w: UnassignedRow | null): Record<string, string> {
  const name = w && /^[A-Za-z0-9_-]{1,128}$/.test(w.plotName) ? w.plotName : '';
  return {
    name,
    detector: name.split('_')[0] ?? '',
    pattern: DEFAULT_PATTERN,
    'labels.0.name': 'Good',
    'labels.0.colour': '#2e9e44',
    'labels.1.name': 'Bad',
    'labels.1.colour': '#d62728',
    'labels.1.alarms': 'on',
    'input.width': '160',
    'input.height': '120',
    'input.channels': '3',
    collectPercent: '5',
    heatmap: 'bad',
    sampling: 'balanced',
    'alarmPolicy.labels': 'Bad',
    'alarmPolicy.minConfidence': '0.5',
    'alarmPolicy.consecutive': '2',
    'activationBar.minBalancedAccuracy': '0.8',
    'activationBar.minRecall': '0.5',
    'retrain.auto': 'on',
    'retrain.compareSamples': '30',
  };
}

/** The images waiting for a plot type, by the plot name their file gives, the most recent name first. */
function groupWaiting(rows: readonly UnassignedRow[]): WaitingGroup[] {
  const by = new Map<string, UnassignedRow[]>();
  for (const r of rows) by.set(r.plotName, [...(by.get(r.plotName) ?? []), r]);
  return [...by].map(([plotName, images]) => ({ plotName, images }));
}

/** Whether a problem list is best answered as JSON (a program) or as the page (a browser). */
const wantsPage = (req: FastifyRequest) => String(req.headers.accept ?? '').includes('text/html') || req.isHtmx;

/**
 * The plot-type admin (`/admin/plot-types`): every plot type and its whole configuration, and the images waiting for a
 * plot type. Anyone signed in reads it; an Expert of the detector (or an Admin) defines and edits, through the one
 * check (`checkPlotTypeForm` → `checkPlotTypeEntry`, as `hydra plot-types apply`) and the one command
 * (`applyPlotTypes`), so each change is the same `plottype.defined` / `plottype.updated` in the signed-in user's name.
 */
export const plotTypeRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { db, log } = app.hydra;
  const viewer = { config: { access: 'viewer' as const } };

  async function formPage(
    req: FastifyRequest,
    reply: FastifyReply,
    d: Omit<PlotTypeFormData, 'mayEdit' | 'image' | 'retired'> & { waiting?: UnassignedRow | null },
    notice: PlotTypesNotice = {},
    status = 200,
  ) {
    const name = typeof d.fields.name === 'string' ? d.fields.name : '';
    const row = d.intent === 'update' && name ? await plotTypeRow(db, name) : null;
    const detector = typeof d.fields.detector === 'string' ? d.fields.detector : undefined;
    const mayEdit =
      !!req.user &&
      allows(req.user.roles, 'expert', row?.detector ?? (detector || undefined)) &&
      (!row || allows(req.user.roles, 'expert', row.detector));
    const latest = row ? await latestImageOf(db, row.name) : null;
    const image = latest
      ? { imageId: latest.imageId, caption: `latest ${row!.name} image, run ${latest.run} chunk ${latest.chunk}` }
      : d.waiting
        ? { imageId: d.waiting.imageId, caption: `waiting image ${d.waiting.source}` }
        : null;
    const view = plotTypeFormView(
      { ...d, mayEdit, image, retired: row?.retired ?? false },
      reply.viewContext(),
      notice,
    );
    return reply.status(status).view(view);
  }

  app.get('/admin/plot-types', { ...viewer, schema: { querystring: noQuery } }, async (req, reply) => {
    const [plotTypes, waiting] = await Promise.all([allPlotTypes(db), unassignedImages(db)]);
    const mayDefine = !!req.user && allows(req.user.roles, 'expert');
    return reply.view(plotTypeListView({ plotTypes, waiting: groupWaiting(waiting), mayDefine }, reply.viewContext()));
  });

  app.get('/admin/plot-types/new', { ...viewer, schema: { querystring: newQuery } }, async (req, reply) => {
    const waiting = req.query.image ? await unassignedImage(db, req.query.image) : null;
    if (req.query.image && !waiting)
      throw new NotFoundError(`waiting image ${req.query.image} (ingested already, once its plot type was defined?)`);
    return formPage(req, reply, { intent: 'define', fields: formForWaiting(waiting), problems: [], waiting });
  });

  app.get(
    '/admin/plot-types/:name',
    { ...viewer, schema: { params: byName, querystring: noQuery } },
    async (req, reply) => {
      const row = await plotTypeRow(db, req.params.name);
      if (!row) throw new NotFoundError(`plot type ${req.params.name}`);
      return formPage(req, reply, { intent: 'update', fields: formFromSpec(row.spec), problems: [] });
    },
  );

  app.post('/admin/plot-types', { config: { access: 'expert' }, schema: { body: formBody } }, async (req, reply) => {
    const { intent: rawIntent, ...fields } = req.body as FormFields;
    const intent = rawIntent === 'update' ? 'update' : 'define';
    const refuse = (status: number, problems: PlotTypeProblem[]) => {
      if (!wantsPage(req))
        return reply.status(status).send({
          error: status === 409 ? 'HYDRA_PLOT_TYPE_CONFLICT' : 'HYDRA_PLOT_TYPE_INVALID',
          message: problems.map(describeProblem).join('; '),
          problems,
        });
      return formPage(req, reply, { intent, fields, problems }, {}, status);
    };
    if (rawIntent !== undefined && rawIntent !== 'define' && rawIntent !== 'update')
      return refuse(400, [{ field: 'intent', message: 'expected define or update' }]);
    const checked = checkPlotTypeForm(fields);
    if (!checked.ok) return refuse(400, checked.problems);
    const spec = checked.spec;
    const user = requireRoleFor(req, 'expert', spec.detector);
    const current = (await currentPlotTypes(log)).get(spec.name);
    if (intent === 'define' && current)
      return refuse(409, [
        { field: 'name', message: `a plot type "${spec.name}" already exists: edit it on its own page` },
      ]);
    if (intent === 'update' && !current) throw new NotFoundError(`plot type ${spec.name}`);
    if (current) requireRoleFor(req, 'expert', current.spec.detector);
    let changed: string;
    try {
      const [c] = await applyPlotTypes(log, [spec], actorMetadata(req));
      changed =
        c?.kind === 'define'
          ? `Defined ${spec.name}.`
          : c?.kind === 'update'
            ? `Saved ${spec.name} (${c.fields.join(', ')}) as ${user.name}.`
            : `Nothing changed: ${spec.name} already was so.`;
    } catch (err) {
      if (!isConcurrencyConflict(err)) throw err;
      return refuse(409, [
        { field: '', message: 'someone changed this plot type at the same moment: look and try again' },
      ]);
    }
    await waitForStream(db, log, [plotTypesProjection], { timeoutMs: 5000 });
    if (!wantsPage(req)) return reply.send({ status: 'ok', name: spec.name, message: changed });
    const row = await plotTypeRow(db, spec.name);
    return formPage(
      req,
      reply,
      { intent: 'update', fields: row ? formFromSpec(row.spec) : fields, problems: [] },
      { ok: changed },
    );
  });
};
