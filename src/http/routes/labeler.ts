import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HydraEvent } from '../../events/catalog.ts';
import { sha256Schema, tokenSchema } from '../../events/define.ts';
import {
  applyLabels,
  commentOn,
  currentLabelHistory,
  markUnsure,
  retractLabels,
  undoBatch,
  type BatchOutcome,
} from '../../labels/apply.ts';
import { MAX_BATCH } from '../../labels/batch.ts';
import { LabelError } from '../../labels/decide.ts';
import { livePlotTypes, plotTypeRow } from '../../projections/plot-types/queries.ts';
import {
  firstWithWork,
  QUEUES,
  queueRowsOf,
  foldOwn,
  queueView,
  readForView,
  type QueueFilter,
  type QueueRead,
} from '../../projections/label-queue/queries.ts';
import { zonedToUtc } from '../format.ts';
import { HttpError, NotFoundError, RequestValidationError } from '../errors.ts';
import { actor, actorMetadata } from '../plugins/auth.ts';
import type { ZodTypeProvider } from '../plugins/schemas.ts';
import { labelHistoryPanel } from '../views/label-history.ts';
import { labelerGrid, labelerView, type Applied, type LabelerData, type LabelerParams } from '../views/labeler.ts';

/** An empty form field is an absent one. */
const opt = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === '' ? undefined : v), s.optional());
const localTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$/, 'a date (YYYY-MM-DD) or date and time (YYYY-MM-DDTHH:MM)');
const cursor = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z~[0-9a-f]{64}$/, 'a page cursor as the page wrote it')
  .transform((s) => {
    const [at, imageId] = s.split('~') as [string, string];
    return { at, imageId };
  });

/** The Labeler's page: which plot type and queue, the filters, the page. Unknown parameters are refused. */
export const labelerQuery = z.strictObject({
  plot: opt(tokenSchema),
  queue: opt(z.enum(QUEUES)).transform((q) => q ?? 'unbiased'),
  /** `include`: labelled images too (the editor); by default only images nobody has labelled. */
  labelled: opt(z.enum(['include', 'only'])),
  order: opt(z.enum(['newest', 'oldest'])).transform((o) => o ?? 'newest'),
  runFrom: opt(z.coerce.number().int().min(0)),
  runTo: opt(z.coerce.number().int().min(0)),
  from: opt(localTime),
  to: opt(localTime),
  verdict: opt(z.string().regex(/^(\(unconfirmed\)|[A-Za-z0-9_-]{1,128})$/, 'a label name or (unconfirmed)')),
  label: opt(z.string().regex(/^(\(none\)|[A-Za-z0-9_-]{1,128})$/, 'a label name or (none)')),
  /** Show the model's verdicts (never on the unbiased queue). */
  verdicts: opt(z.enum(['show'])),
  size: opt(z.coerce.number().int().min(20).max(500)).transform((n) => n ?? 200),
  after: opt(cursor),
});
type LabelerQuery = z.output<typeof labelerQuery>;

const imageList = z
  .string()
  .transform((s) => s.split(',').filter((x) => x !== ''))
  .pipe(z.array(sha256Schema).min(1, 'select at least one image').max(MAX_BATCH));

/** The page's query string, as it was when the labeller acted: the answer is that view's next page. */
const viewField = z
  .string()
  .max(4000)
  .default('')
  .transform((s, ctx) => {
    const parsed = labelerQuery.safeParse(Object.fromEntries(new URLSearchParams(s.replace(/^\?/, ''))));
    if (parsed.success) return parsed.data;
    for (const i of parsed.error.issues)
      ctx.addIssue({ code: 'custom', message: i.message, path: ['view', ...i.path] });
    return z.NEVER;
  });

export const applyBody = z.strictObject({
  plot: tokenSchema,
  label: tokenSchema,
  images: imageList,
  batch: z.uuid(),
  view: viewField,
});
export const undoBody = z.strictObject({ batch: z.uuid(), view: viewField });
/** Flag a selection unsure (`unsure=on`, with an optional comment saying why) or clear it (`unsure=off`). */
export const unsureBody = z.strictObject({
  plot: tokenSchema,
  images: imageList,
  batch: z.uuid(),
  unsure: z.enum(['on', 'off']),
  comment: opt(z.string().trim().min(1).max(2000)),
  view: viewField,
});
export const commentBody = z.strictObject({
  plot: tokenSchema,
  images: imageList,
  batch: z.uuid(),
  comment: z.string().trim().min(1, 'write a comment').max(2000),
  view: viewField,
});

/** The editor's withdrawal of the selection's labels. */
export const retractBody = z.strictObject({ plot: tokenSchema, images: imageList, batch: z.uuid(), view: viewField });
/** One image's history, for the editor's panel. */
export const historyQuery = z.strictObject({ image: sha256Schema });

function resolveFilter(plotType: string, q: LabelerQuery, tz: string): QueueFilter {
  if (q.queue === 'unbiased' && q.verdict)
    throw new RequestValidationError([
      { path: ['verdict'], message: "the unbiased queue hides the model's verdict, so it cannot be filtered by it" },
    ]);
  const from = q.from ? zonedToUtc(q.from, tz) : undefined;
  const to = q.to ? zonedToUtc(q.to, tz) : undefined;
  if (from && to && from >= to) throw new RequestValidationError([{ path: ['to'], message: 'must be after from' }]);
  return {
    plotType,
    queue: q.queue,
    // A label filter names whose labels it wants itself.
    labelled:
      q.label !== undefined
        ? 'any'
        : q.labelled === 'only'
          ? 'labelled'
          : q.labelled === 'include' || q.queue === 'unsure'
            ? 'any'
            : 'unlabelled',
    order: q.order,
    runFrom: q.runFrom,
    runTo: q.runTo,
    from,
    to,
    verdict: q.verdict,
    ...(q.label !== undefined ? { label: q.label } : {}),
    after: q.after,
    limit: q.size,
  };
}

/** A refused label is the labeller's mistake (400, with the code and what is allowed), not a server fault. */
function asHttpError(err: unknown): never {
  if (err instanceof LabelError) throw new HttpError(err.status, err.code, err.message, { cause: err });
  throw err;
}

/** Which plot type a view is of, and its filter (none: no plot type is configured). */
type Target = Pick<LabelerData, 'plotTypes' | 'spec' | 'filter'>;

/**
 * The Labeler (Labelers and up): queues per plot type, a grid of thumbnails, and applying a label to a
 * selection as one batch of `label.assigned` naming the signed-in user; undo withdraws the last batch.
 */
export const labelerRoutes: FastifyPluginAsync = async (app0) => {
  const app = app0.withTypeProvider<ZodTypeProvider>();
  const { db, log } = app.hydra;

  /** Which plot type and filter a view shows (none asked for: the first, by name, with work in the chosen queue). */
  async function target(plot: string | undefined, q: LabelerQuery, tz: string): Promise<Target> {
    const plotTypes = await livePlotTypes(db);
    // So that the Labeler never opens on an empty queue.
    const name =
      plot ??
      (await firstWithWork(
        db,
        plotTypes.map((p) => p.name),
        (p) => resolveFilter(p, q, tz),
      )) ??
      plotTypes[0]?.name;
    if (name === undefined) return { plotTypes, spec: null, filter: null };
    const row = plotTypes.find((p) => p.name === name) ?? (await plotTypeRow(db, name));
    if (!row) throw new NotFoundError(`plot type ${name}`);
    return { plotTypes, spec: row.spec, filter: resolveFilter(name, q, tz) };
  }

  /** What an action reads before it appends: its answer's page (see readForView). */
  const readingFor =
    (t: Target) =>
    (images: readonly string[]): Promise<QueueRead | null> =>
      t.filter ? readForView(db, t.filter, images) : Promise.resolve(null);

  /** The view of a target: as the queue holds it, or with an action's own events folded over what it read. */
  async function load(t: Target, own?: { read: QueueRead | null | undefined; events: readonly HydraEvent[] }) {
    if (!t.filter) return { ...t, counts: null, page: null, matching: 0 } satisfies LabelerData;
    const view = own?.read ? foldOwn(t.filter, own.read, own.events) : await queueView(db, t.filter);
    return { ...t, ...view } satisfies LabelerData;
  }

  const params = (q: LabelerQuery, plot: string | undefined): LabelerParams => ({ ...q, plot });

  /**
   * The answer to an action: the view's next page, showing the action (read before it appended, with its events
   * folded over it: see readForView). `Server-Timing` says where the time went (waiting for earlier labels,
   * deciding, reading the page, appending, the rest of the page), for the browser's developer tools and the bench.
   */
  async function answer(
    req: FastifyRequest,
    reply: FastifyReply,
    t: Target,
    q: LabelerQuery,
    applied: Applied & Pick<BatchOutcome<QueueRead | null>, 'timings' | 'events' | 'read'>,
  ) {
    const t0 = performance.now();
    const ctx = reply.viewContext();
    const plot = t.spec?.name;
    const data = await load(t, { read: applied.read, events: applied.events });
    const out = req.isHtmx ? labelerGrid(data, params(q, plot), ctx, applied).value : null;
    const phases = { ...applied.timings, page: performance.now() - t0 };
    reply.header(
      'server-timing',
      Object.entries(phases)
        .map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`)
        .join(', '),
    );
    if (out === null) return reply.view(labelerView(data, params(q, plot), ctx, applied));
    return reply.html(out);
  }

  app.get('/labeler', { config: { access: 'labeler' }, schema: { querystring: labelerQuery } }, async (req, reply) => {
    const ctx = reply.viewContext();
    const data = await load(await target(req.query.plot, req.query, ctx.tz));
    return reply.view(labelerView(data, params(req.query, data.spec?.name), ctx));
  });

  app.post('/labeler/apply', { config: { access: 'labeler' }, schema: { body: applyBody } }, async (req, reply) => {
    const b = req.body;
    const row = await plotTypeRow(db, b.plot);
    if (!row || row.retired)
      throw new HttpError(400, 'HYDRA_LABEL_UNKNOWN_PLOT_TYPE', `plot type "${b.plot}" is not configured`);
    const cmd = { plotType: b.plot, label: b.label, imageIds: b.images, user: actor(req).name, batch: b.batch };
    const t = await target(b.plot, b.view, reply.viewContext().tz);
    const outcome = await applyLabels({ db, log }, row.spec, cmd, actorMetadata(req), readingFor(t)).catch(asHttpError);
    return answer(req, reply, t, b.view, {
      kind: 'apply',
      batch: b.batch,
      label: b.label,
      count: b.images.length,
      ...outcome,
    });
  });

  app.post('/labeler/unsure', { config: { access: 'labeler' }, schema: { body: unsureBody } }, async (req, reply) => {
    const b = req.body;
    const cmd = {
      plotType: b.plot,
      imageIds: b.images,
      user: actor(req).name,
      batch: b.batch,
      unsure: b.unsure === 'on',
      ...(b.comment ? { comment: b.comment } : {}),
    };
    const t = await target(b.plot, b.view, reply.viewContext().tz);
    const outcome = await markUnsure({ db, log }, cmd, actorMetadata(req), readingFor(t)).catch(asHttpError);
    const kind = b.unsure === 'on' ? ('unsure' as const) : ('sure' as const);
    return answer(req, reply, t, b.view, { kind, count: outcome.stored, ...outcome });
  });

  app.post('/labeler/comment', { config: { access: 'labeler' }, schema: { body: commentBody } }, async (req, reply) => {
    const b = req.body;
    const cmd = { plotType: b.plot, imageIds: b.images, user: actor(req).name, batch: b.batch, comment: b.comment };
    const t = await target(b.plot, b.view, reply.viewContext().tz);
    const outcome = await commentOn({ db, log }, cmd, actorMetadata(req), readingFor(t)).catch(asHttpError);
    return answer(req, reply, t, b.view, { kind: 'comment', count: outcome.stored, ...outcome });
  });

  app.post('/labeler/undo', { config: { access: 'labeler' }, schema: { body: undoBody } }, async (req, reply) => {
    const b = req.body;
    const plot = b.view.plot;
    if (!plot) throw new HttpError(400, 'HYDRA_HTTP_BAD_REQUEST', 'view: the plot type is missing');
    const t = await target(plot, b.view, reply.viewContext().tz);
    const outcome = await undoBatch({ db, log }, b.batch, actor(req).name, actorMetadata(req), readingFor(t));
    return answer(req, reply, t, b.view, { kind: 'undo', batch: b.batch, count: outcome.stored, ...outcome });
  });

  app.post('/labeler/retract', { config: { access: 'labeler' }, schema: { body: retractBody } }, async (req, reply) => {
    const b = req.body;
    const cmd = { plotType: b.plot, imageIds: b.images, user: actor(req).name, batch: b.batch };
    const t = await target(b.plot, b.view, reply.viewContext().tz);
    const outcome = await retractLabels({ db, log }, cmd, actorMetadata(req), readingFor(t)).catch(asHttpError);
    return answer(req, reply, t, b.view, { kind: 'retract', count: outcome.stored, ...outcome });
  });

  app.get(
    '/labeler/history',
    { config: { access: 'labeler' }, schema: { querystring: historyQuery } },
    async (req, reply) => {
      const image = req.query.image;
      const row = (await queueRowsOf(db, [image])).get(image);
      if (!row) throw new NotFoundError(`image ${image}`);
      const [spec, steps] = await Promise.all([plotTypeRow(db, row.plotType), currentLabelHistory({ db, log }, image)]);
      const panel = labelHistoryPanel(row, steps, spec?.spec ?? null, reply.viewContext());
      if (req.isHtmx) return reply.html(panel.value);
      return reply.view({ page: 'labeler', title: `Label history · ${image.slice(0, 12)}`, main: panel });
    },
  );
};
