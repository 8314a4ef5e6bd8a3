// Every table, for drizzle-kit to generate migrations from (`npm run db:generate`).
export * from '../projections/runtime/tables.ts';
export * from '../projections/plot-types/table.ts';
export * from '../projections/images/table.ts';
export * from '../projections/labels/table.ts';
export * from '../projections/label-queue/table.ts';
export * from '../projections/daily-counts/table.ts';
export * from '../projections/verdicts/table.ts';
export * from '../projections/plot-status/table.ts';
export * from '../projections/alarms/table.ts';
export * from '../projections/score-history/table.ts';
export * from '../projections/runs/table.ts';
export * from '../projections/news/table.ts';
export * from '../projections/models/table.ts';
export * from '../projections/users/table.ts';
export * from '../projections/api-tokens/table.ts';
export * from '../projections/site-settings/table.ts';
export * from '../accounts/sessions-table.ts';
