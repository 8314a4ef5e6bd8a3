import { bigint, boolean, double, int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';
import type { LabelMeaning } from '../../verdicts/semantics.ts';

/** A label with its colour and whether it is a problem label (src/verdicts/semantics.ts decides). */
export type TileLabel = LabelMeaning;

/** One of a plot type's latest arrivals (an observation; its image is the content it brought). */
export interface RecentArrival {
  readonly arrivalId: string;
  readonly imageId: string;
  readonly arrivedAt: string;
  readonly run: number;
  readonly chunk: number;
}

/**
 * The Run page's read model: one row per plot type with its configuration (labels and colours,
 * detector, hidden/ignored), its latest image, the verdict on the newest classified image, and the
 * current problem streak (src/verdicts/streak.ts: since the first confirmed Bad after the last confirmed good verdict).
 */
export const plotStatus = mysqlTable('plot_status', {
  plotType: varchar('plot_type', { length: 128 }).primaryKey(),
  configured: boolean('configured').notNull(),
  detector: varchar('detector', { length: 64 }),
  title: varchar('title', { length: 200 }),
  hidden: boolean('hidden').notNull(),
  ignored: boolean('ignored').notNull(),
  retired: boolean('retired').notNull(),
  labels: jsonText<TileLabel[]>('labels').notNull(),
  lastArrivalId: varchar('last_arrival_id', { length: 64 }),
  lastImageId: varchar('last_image_id', { length: 64 }),
  lastArrivedAt: isoDatetime('last_arrived_at'),
  recent: jsonText<RecentArrival[]>('recent').notNull(),
  /** The arrival the tile shows (the newest one decided), and its image. */
  arrivalId: varchar('arrival_id', { length: 64 }),
  imageId: varchar('image_id', { length: 64 }),
  arrivedAt: isoDatetime('arrived_at'),
  run: int('run'),
  chunk: int('chunk'),
  status: varchar('status', { length: 16 }),
  decidedAt: isoDatetime('decided_at'),
  verdict: varchar('verdict', { length: 128 }),
  confidence: double('confidence'),
  confirmed: boolean('confirmed'),
  scores: jsonText<Record<string, number>>('scores'),
  heatmap: varchar('heatmap', { length: 64 }),
  modelId: varchar('model_id', { length: 128 }),
  reason: varchar('reason', { length: 2000 }),
  streakSince: isoDatetime('streak_since'),
  streakArrivalId: varchar('streak_arrival_id', { length: 64 }),
  streakImageId: varchar('streak_image_id', { length: 64 }),
  streakRun: int('streak_run'),
  streakChunk: int('streak_chunk'),
  streakLabel: varchar('streak_label', { length: 128 }),
  /** The streak's verdicts so far (src/verdicts/streak.ts): bad and unconfirmed ones; of them, unconfirmed. */
  streakCount: int('streak_count').notNull(),
  streakUnconfirmed: int('streak_unconfirmed').notNull().default(0),
  seq: bigint('seq', { mode: 'number' }).notNull(),
});
export type PlotStatusRow = typeof plotStatus.$inferSelect;
