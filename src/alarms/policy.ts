import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EventData, HydraEventOf } from '../events/catalog.ts';
import type { EventMetadata } from '../events/envelope.ts';
import type { NewEvent } from '../events/log.ts';
import type { PlotTypeSpec } from '../events/plottype.ts';
import { alarmClass, meaningOf, problemLabels, type VerdictSemantics } from '../verdicts/semantics.ts';
import { nextStreak, streakCount, type Streak } from '../verdicts/streak.ts';

/**
 * The alarm decision for one plot type, pure: the state folded from the plot type's verdicts and
 * alarm events, and what a new verdict makes us append.
 *
 * What a verdict counts as is decided in src/verdicts/semantics.ts (`alarmClass`):
 * - alarming: a confirmed problem label at or above the policy's minConfidence. `consecutive` of these in a
 *   row raise one alarm.raised; more alarming verdicts during the episode raise nothing.
 * - clear: a confirmed label that is not a problem (Good, or NoData where it is not one). It breaks a streak
 *   and resolves an open episode.
 * - neutral: Unconfirmed, or a problem label below minConfidence. It says nothing sure about the plot:
 *   it neither extends nor breaks a run of alarming verdicts, and never resolves.
 *
 * How many images an alarm has had is the plot type's problem streak (src/verdicts/streak.ts), the same one
 * the Run tile and the Log show: the state folds it from every verdict, and the alarm events carry its count.
 */

export type AlarmPolicy = PlotTypeSpec['alarmPolicy'];
export type Verdict = EventData<'inference.completed'>;

/** Alarming entries kept (the first images of a run are what an alarm names); the count goes on. */
export const MAX_STREAK_IMAGES = 64;

export const streakEntrySchema = z.object({
  /** The verdict's arrival; absent in states saved before arrivals had ids (then it was the image id). */
  arrivalId: z.string().optional(),
  imageId: z.string(),
  label: z.string(),
  confidence: z.number(),
  run: z.number().int().min(0),
});
export type StreakEntry = z.infer<typeof streakEntrySchema>;

const streakSchema = z.object({
  since: z.string(),
  arrivalId: z.string(),
  imageId: z.string(),
  run: z.number().int().nullable(),
  chunk: z.number().int().nullable(),
  label: z.string(),
  bad: z.number().int().min(0),
  unconfirmed: z.number().int().min(0),
}) satisfies z.ZodType<Streak>;

export const plotAlarmStateSchema = z.object({
  plotType: z.string(),
  /** Alarming verdicts in a row (neutral ones skipped), and the first MAX_STREAK_IMAGES of them: what raises. */
  alarming: z.object({ count: z.number().int().min(0), entries: z.array(streakEntrySchema) }),
  /** The plot type's problem streak (src/verdicts/streak.ts): what an alarm's image count is. */
  problem: streakSchema.nullable(),
  /** The episode raised and not yet resolved. */
  open: z
    .object({ alarmId: z.string(), label: z.string(), firstImageId: z.string(), episode: z.number().int().positive() })
    .nullable(),
  /** Episodes raised so far on this plot type: the next one is numbered episodes + 1. */
  episodes: z.number().int().min(0),
  /** Stream sequence of the last alarm.raised / alarm.resolved on this plot type's subject (0: none). */
  raisedSeq: z.number().int().min(0),
  resolvedSeq: z.number().int().min(0),
  /** Stream sequence of the last verdict that changed this state: anything at or below it is done. */
  seq: z.number().int().min(0),
});
export type PlotAlarmState = z.infer<typeof plotAlarmStateSchema>;

export const emptyState = (plotType: string): PlotAlarmState => ({
  plotType,
  alarming: { count: 0, entries: [] },
  problem: null,
  open: null,
  episodes: 0,
  raisedSeq: 0,
  resolvedSeq: 0,
  seq: 0,
});

/** What the wiring knows that the events do not: the plot type's labels and policy, detector, the image's run. */
export interface DecisionContext {
  readonly spec: VerdictSemantics;
  readonly detector: string;
  /** Where the verdict's image arrived (the worker looks it up for bad verdicts only); unknown when absent. */
  readonly run?: number;
  readonly chunk?: number;
  readonly arrivedAt?: string;
}

/** Human-friendly and deterministic: `<plotType>-<episode>` (long names shortened with a hash). */
export function alarmIdFor(plotType: string, episode: number): string {
  const base =
    plotType.length <= 100
      ? plotType
      : `${plotType.slice(0, 90)}_${createHash('sha256').update(plotType).digest('hex').slice(0, 8)}`;
  return `${base}-${episode}`;
}

/** Plot type of an alarm id made by alarmIdFor (unless shortened). */
export function plotTypeOfAlarmId(alarmId: string): string | undefined {
  return /^(.+)-\d+$/.exec(alarmId)?.[1];
}

export type VerdictEvent = Pick<HydraEventOf<'inference.completed'>, 'id' | 'seq' | 'time' | 'data' | 'metadata'>;
type AlarmFact =
  | Pick<HydraEventOf<'alarm.raised'>, 'type' | 'seq' | 'data'>
  | Pick<HydraEventOf<'alarm.resolved'>, 'type' | 'seq' | 'data'>;

/** The problem streak after this verdict (src/verdicts/streak.ts). */
function problemAfter(state: PlotAlarmState, e: VerdictEvent, ctx: DecisionContext): Streak | null {
  return nextStreak(state.problem, {
    meaning: meaningOf(problemLabels(ctx.spec), e.data),
    label: e.data.verdict,
    at: ctx.arrivedAt ?? e.time,
    arrivalId: e.data.arrivalId,
    imageId: e.data.imageId,
    run: ctx.run ?? null,
    chunk: ctx.chunk ?? null,
  });
}

const arrivalOf = (x: StreakEntry): string => x.arrivalId ?? x.imageId;

/**
 * Folds a verdict into the problem streak and the run of alarming verdicts. Idempotent: a verdict at or below
 * `seq` changes nothing, nor does one already in the alarming run.
 */
export function evolveVerdict(state: PlotAlarmState, e: VerdictEvent, ctx: DecisionContext): PlotAlarmState {
  if (e.seq <= state.seq) return state;
  const problem = problemAfter(state, e, ctx);
  const kind = alarmClass(ctx.spec, e.data);
  let alarming = state.alarming;
  if (kind === 'clear') alarming = alarming.count === 0 ? alarming : { count: 0, entries: [] };
  // During an episode the run does not matter until the plot is clear again.
  // Each arrival counts, also of the same bytes again (a detector that is off sends the same plot every chunk).
  else if (kind === 'alarming' && !state.open && !alarming.entries.some((x) => arrivalOf(x) === e.data.arrivalId)) {
    const entry: StreakEntry = {
      arrivalId: e.data.arrivalId,
      imageId: e.data.imageId,
      label: e.data.verdict,
      confidence: e.data.confidence,
      run: ctx.run ?? 0,
    };
    const entries = alarming.entries.length < MAX_STREAK_IMAGES ? [...alarming.entries, entry] : alarming.entries;
    alarming = { count: alarming.count + 1, entries };
  }
  if (problem === state.problem && alarming === state.alarming) return state;
  return { ...state, problem, alarming, seq: e.seq };
}

/** Folds an appended alarm event: the episode opens or closes, and the subject sequences move on. */
export function evolveAlarm(state: PlotAlarmState, e: AlarmFact): PlotAlarmState {
  if (e.type === 'alarm.raised') {
    if (e.seq <= state.raisedSeq) return state;
    const episode = e.data.episode ?? state.episodes + 1;
    return {
      ...state,
      raisedSeq: e.seq,
      episodes: Math.max(state.episodes, episode),
      alarming: { count: 0, entries: [] },
      open: { alarmId: e.data.alarmId, label: e.data.label, firstImageId: e.data.firstImageId, episode },
    };
  }
  if (e.seq <= state.resolvedSeq) return state;
  const closes = state.open?.alarmId === e.data.alarmId;
  return { ...state, resolvedSeq: e.seq, open: closes ? null : state.open };
}

/**
 * Rebuilds the episode part of a state from the last alarm.raised and alarm.resolved of the plot type
 * in the stream: the truth after a crash between appending and saving, or when no state was saved.
 * The streaks are kept (they are not in the alarm events), the alarming run reset when the stream holds a raise
 * the state missed.
 */
export function reconcile(
  state: PlotAlarmState,
  lastRaised?: AlarmFact & { type: 'alarm.raised' },
  lastResolved?: AlarmFact & { type: 'alarm.resolved' },
): PlotAlarmState {
  const missedRaise = lastRaised !== undefined && lastRaised.seq > state.raisedSeq;
  const stillOpen = lastRaised !== undefined && lastResolved?.data.alarmId !== lastRaised.data.alarmId;
  const episode = lastRaised ? (lastRaised.data.episode ?? state.episodes + (missedRaise ? 1 : 0)) : 0;
  return {
    ...state,
    alarming: missedRaise ? { count: 0, entries: [] } : state.alarming,
    open: stillOpen
      ? {
          alarmId: lastRaised.data.alarmId,
          label: lastRaised.data.label,
          firstImageId: lastRaised.data.firstImageId,
          episode,
        }
      : null,
    raisedSeq: lastRaised?.seq ?? 0,
    resolvedSeq: lastResolved?.seq ?? 0,
    episodes: Math.max(state.episodes, episode),
  };
}

export type AlarmEventToAppend = NewEvent<'alarm.raised'> | NewEvent<'alarm.resolved'>;

/**
 * What a verdict makes us append: alarm.raised when it completes a streak of `consecutive` alarming
 * verdicts and no episode is open; alarm.resolved when it is clear and an episode is open; else nothing.
 * Ids are deterministic per episode and each carries the expected last sequence of its subject, so a
 * retried decision is stored once.
 */
export function decide(state: PlotAlarmState, e: VerdictEvent, ctx: DecisionContext): AlarmEventToAppend[] {
  if (e.seq <= state.seq) return [];
  const kind = alarmClass(ctx.spec, e.data);
  const metadata: EventMetadata = { correlationId: e.metadata.correlationId, causationId: e.id, producer: 'alarms' };
  if (kind === 'clear' && state.open) {
    const alarmId = state.open.alarmId;
    return [
      {
        type: 'alarm.resolved',
        id: `alarm.resolved:${alarmId}`,
        expectedLastSubjectSeq: state.resolvedSeq,
        metadata,
        data: {
          alarmId,
          plotType: state.plotType,
          imageId: e.data.imageId,
          resolvedAt: e.time,
          imageCount: streakCount(state.problem),
        },
      },
    ];
  }
  if (kind !== 'alarming' || state.open) return [];
  const next = evolveVerdict(state, e, ctx);
  if (next.alarming.count < ctx.spec.alarmPolicy.consecutive || next.alarming === state.alarming) return [];
  const entries = next.alarming.entries;
  const first = entries[0]!;
  const episode = state.episodes + 1;
  const alarmId = alarmIdFor(state.plotType, episode);
  return [
    {
      type: 'alarm.raised',
      id: `alarm.raised:${alarmId}`,
      expectedLastSubjectSeq: state.raisedSeq,
      metadata,
      data: {
        alarmId,
        plotType: state.plotType,
        detector: ctx.detector,
        run: first.run,
        label: e.data.verdict,
        confidence: Math.min(...entries.map((x) => x.confidence)),
        firstImageId: first.imageId,
        firstArrivalId: arrivalOf(first),
        imageIds: entries.map((x) => x.imageId),
        imageCount: streakCount(next.problem),
        raisedAt: e.time,
        episode,
      },
    },
  ];
}
