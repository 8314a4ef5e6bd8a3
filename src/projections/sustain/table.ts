import { index, mysqlTable, text, varchar } from 'drizzle-orm/mysql-core';
import { isoDatetime, jsonText } from '../../db/columns.ts';
import type { EventData } from '../../events/catalog.ts';
import type { SustainEvidence } from '../../events/sustain.ts';

export type SustainKind = 'assessed' | 'compared';

/**
 * The self-sustaining loop's decisions, one row per sustain.assessed or sustain.compared (keyed by its stream
 * sequence): a plot type's latest row of a kind is its current assessment or last comparison, the rows in
 * order its history for the pages. `status` is the assessment's status or the comparison's outcome.
 */
export const sustainDecisions = mysqlTable(
  'sustain_decisions',
  {
    seq: varchar('seq', { length: 20 }).primaryKey(),
    plotType: varchar('plot_type', { length: 128 }).notNull(),
    kind: varchar('kind', { length: 16 }).$type<SustainKind>().notNull(),
    /** The model assessed, or the challenger compared. */
    modelId: varchar('model_id', { length: 128 }).notNull(),
    /** The active model a comparison was against (null for assessments). */
    championId: varchar('champion_id', { length: 128 }),
    status: varchar('status', { length: 16 }).notNull(),
    why: text('why').notNull(),
    /** The training the decision asked for (assessment) or judged (comparison). */
    trainingId: varchar('training_id', { length: 128 }),
    evidence: jsonText<SustainEvidence | null>('evidence'),
    comparison: jsonText<EventData<'sustain.compared'> | null>('comparison'),
    at: isoDatetime('at').notNull(),
  },
  (t) => [
    index('sustain_decisions_plot').on(t.plotType, t.kind, t.at),
    index('sustain_decisions_training').on(t.trainingId),
  ],
);
export type SustainDecisionRow = typeof sustainDecisions.$inferSelect;
