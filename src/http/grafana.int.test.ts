import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowDataPacket } from 'mysql2/promise';
import { fact, openHttpEnv, type HttpEnv } from '../../test/support/http.ts';
import { meta, shaOf } from '../../test/support/events.ts';

interface Target {
  rawSql: string;
  format: string;
}
interface Dashboard {
  panels: { title: string; targets: Target[] }[];
  templating: { list: { name: string; query: string }[] };
  annotations: { list: { name: string; target: Target }[] };
}

let h: HttpEnv;
const dashboard = JSON.parse(
  await readFile(path.resolve(import.meta.dirname, '../../grafana/hydra-dashboard.json'), 'utf8'),
) as Dashboard;

/** Grafana's MySQL macros, as Grafana would expand them for a wide time range. */
function expand(sql: string): string {
  return sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, "$1 BETWEEN '2000-01-01 00:00:00' AND '2100-01-01 00:00:00'")
    .replace(/\$__timeGroupAlias\(([^,]+),\s*1h\)/g, 'FROM_UNIXTIME(FLOOR(UNIX_TIMESTAMP($1) / 3600) * 3600) AS time')
    .replace(/\$__timeFrom\(\)/g, "'2000-01-01 00:00:00'")
    .replace(/\$__timeTo\(\)/g, "'2100-01-01 00:00:00'")
    .replace(/\$plot_type/g, 'FCAL_x');
}

beforeAll(async () => {
  h = await openHttpEnv('grafana');
  const at = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  await h.append([fact.plotType('FCAL_x', 'FCAL')]);
  await h.append([0, 1, 2].flatMap((i) => [fact.arrived(shaOf(`g${i}`), 'FCAL_x', 7000 + i, i, at(30 - i * 10))]));
  await h.append([
    fact.verdict(shaOf('g0'), 'FCAL_x', 'Good', 0.1),
    fact.verdict(shaOf('g1'), 'FCAL_x', 'Bad', 0.9),
    fact.verdict(shaOf('g2'), 'FCAL_x', 'Bad', 0.6, { confirmed: false }),
    {
      type: 'alarm.raised',
      metadata: meta,
      data: {
        alarmId: 'g-1',
        plotType: 'FCAL_x',
        detector: 'FCAL',
        run: 7001,
        label: 'Bad',
        confidence: 0.9,
        firstImageId: shaOf('g1'),
        imageIds: [shaOf('g1')],
        raisedAt: at(20),
      },
    },
  ]);
});
afterAll(async () => h?.close());

const run = async (sql: string) => (await h.env.database.pool.query<RowDataPacket[]>(expand(sql)))[0];

describe('the Grafana dashboard', () => {
  it('runs every panel query against the read models', async () => {
    const results = new Map<string, RowDataPacket[]>();
    for (const p of dashboard.panels)
      for (const [i, t] of p.targets.entries()) results.set(`${p.title}#${i}`, await run(t.rawSql));
    const scores = [...results].find(([k]) => k.startsWith("Every label's score"))![1];
    expect(scores.filter((r) => r.metric === 'Bad').map((r) => Number(r.value))).toEqual([0.1, 0.9, 0.6]);
    expect(Object.keys(scores[0]!)).toEqual(['time', 'metric', 'value']);
    const hourly = [...results].filter(([k]) => k.startsWith('Hourly mean')).flatMap(([, r]) => r);
    expect(hourly.some((r) => r.metric === 'Bad (hourly max)' && Number(r.value) === 0.9)).toBe(true);
    const now = [...results].find(([k]) => k.startsWith('Now:'))![1];
    expect(now[0]).toMatchObject({ plot_type: 'FCAL_x', verdict: 'Unconfirmed Bad', problem_images: 2 });
    const problems = [...results].find(([k]) => k.startsWith('Confirmed problems'))![1];
    expect(problems.map((r) => r.metric).sort()).toEqual(['Bad', 'Unconfirmed']);
    expect([...results].find(([k]) => k.startsWith('Alarms'))![1]).toHaveLength(1);
    const perDay = [...results].find(([k]) => k.startsWith('Arrivals per day'))![1];
    expect(perDay.reduce((n, r) => n + Number(r.arrivals), 0)).toBe(3);
  });

  it('runs its variable and annotation queries', async () => {
    expect((await run(dashboard.templating.list[0]!.query)).map((r) => r.plot_type)).toEqual(['FCAL_x']);
    const runs = await run(dashboard.annotations.list[0]!.target.rawSql);
    expect(runs.map((r) => r.text)).toEqual(['run 7000', 'run 7001', 'run 7002']);
    expect(await run(dashboard.annotations.list[1]!.target.rawSql)).toHaveLength(1);
  });
});
