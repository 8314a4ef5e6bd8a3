import type { MySqlTable } from 'drizzle-orm/mysql-core';
import type { EventType, HydraEvent } from '../../events/catalog.ts';

/**
 * A read model: one table of rows keyed by a string id, kept by a pure `evolve`.
 * For each event, `keyOf` names the row(s) it touches; `evolve` gets the current row (or null)
 * and returns the new one (or null to delete it). It must not do I/O or read the clock.
 */
export interface Projection<TTable extends MySqlTable = MySqlTable, Row = TTable['$inferSelect']> {
  readonly name: string;
  readonly table: TTable;
  /** Property name of the table's primary-key column (a string id). */
  readonly idColumn: keyof Row & string;
  readonly handles: readonly EventType[];
  keyOf(event: HydraEvent): string | readonly string[] | null;
  evolve(current: Row | null, event: HydraEvent, id: string): Row | null;
}

export function defineProjection<TTable extends MySqlTable>(p: Projection<TTable>): Projection<TTable> {
  if (!/^[a-z][a-z0-9_]{0,60}$/.test(p.name)) throw new Error(`bad projection name ${p.name}`);
  if (p.handles.length === 0) throw new Error(`projection ${p.name} handles no events`);
  return p;
}

/** The erased form the runner works with. */
export type AnyProjection = Projection<MySqlTable, Record<string, unknown>>;

export const erase = <T extends MySqlTable>(p: Projection<T>): AnyProjection => p as unknown as AnyProjection;

/** The one filter subject (the server takes one) that covers everything a projection handles. */
export function filterFor(handles: readonly string[], ns: string): string {
  const aggregates = new Set(handles.map((t) => t.split('.')[0]));
  if (handles.length === 1) return `${ns}.${handles[0]}.>`;
  if (aggregates.size === 1) return `${ns}.${[...aggregates][0]}.>`;
  return `${ns}.>`;
}
