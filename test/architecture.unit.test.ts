import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The boundaries the layout promises, checked on the source itself (README: "Where things are").

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

/** Every module a file imports (static and dynamic), as paths relative to the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] as string);
  return specs.map((s) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), s)));
}

/** The modules a file imports values from (`import type` and re-exported types left out). */
function valueImportsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\s)([^;]*?)\s+from\s+'(\.{1,2}\/[^']+)'/gms)]
    .filter((m) => !/^\{[^}]*\}$/s.test(m[1]!.trim()) || /\{\s*(?!type\s)\w|,\s*(?!type\s)\w/.test(m[1]!))
    .map((m) => m[2] as string);
  return specs.map((s) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), s)));
}

const isTableModule = (t: string) =>
  /^src\/projections\/[a-z-]+\/table\.ts$|^src\/projections\/runtime\/tables\.ts$/.test(t);

const offenders = (files: readonly string[], forbidden: (target: string) => boolean): string[] =>
  files.flatMap((f) =>
    importsOf(f)
      .filter(forbidden)
      .map((t) => `${f} imports ${t}`),
  );

describe('layout boundaries', () => {
  it('keeps fixtures/ out of the product: only the CLI commands about test data reach into it', () => {
    const product = sourceFiles('src').filter((f) => !f.startsWith('src/cli/'));
    expect(offenders(product, (t) => t.startsWith('fixtures/'))).toEqual([]);
  });

  it('finds the import scanner working (a file known to import fixtures/ is seen)', () => {
    expect(importsOf('src/cli/run.ts')).toContain('fixtures/demo/demo.ts');
  });

  it('reads read models only through src/projections/ (its query modules and checkpoint API)', () => {
    // Row types may be imported anywhere; the drizzle tables themselves stay behind the query modules.
    const outside = sourceFiles('src').filter((f) => !f.startsWith('src/projections/') && f !== 'src/db/schema.ts');
    const offenders = outside.flatMap((f) =>
      valueImportsOf(f)
        .filter(isTableModule)
        .map((t) => `${f} imports ${t}`),
    );
    expect(offenders).toEqual([]);
    expect(valueImportsOf('src/projections/verdicts/queries.ts')).toContain('src/projections/verdicts/table.ts');
    expect(valueImportsOf('src/http/queries/run.ts')).not.toContain('src/projections/alarms/table.ts');
  });

  it('keeps SQL text in the projection runtime and the database plumbing', () => {
    const sqlCall = /\.(?:query|execute)\(|from 'mysql2/;
    const outside = sourceFiles('src').filter(
      (f) => !f.startsWith('src/projections/runtime/') && !f.startsWith('src/db/') && !f.startsWith('src/services/'),
    );
    expect(outside.filter((f) => sqlCall.test(readFileSync(path.join(root, f), 'utf8')))).toEqual([]);
  });

  it('keeps src/workers/ a wiring of roles that nothing else depends on (but the CLI that starts them)', () => {
    const others = sourceFiles('src').filter((f) => !f.startsWith('src/workers/') && !f.startsWith('src/cli/'));
    expect(offenders(others, (t) => t.startsWith('src/workers/'))).toEqual([]);
  });
});
