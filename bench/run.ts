import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// npm run bench -- NAME: runs bench/NAME.ts's default export, prints its figures and ratios, and keeps
// them in bench/results/NAME.json with a description of the machine.
export interface BenchResult {
  figures: Record<string, number | string>;
  ratios: Record<string, number>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error('usage: npm run bench -- NAME   (runs bench/NAME.ts)');
  process.exit(2);
}
const mod = (await import(path.join(here, `${name}.ts`))) as { default: () => Promise<BenchResult> };
const loadBefore = os.loadavg();
const result = await mod.default();
const cpus = os.cpus();
const machine = {
  cpus: cpus.length,
  cpuModel: cpus[0]?.model ?? 'unknown',
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  // The 1, 5 and 15 minute load averages when the bench started and when it ended (other work on the machine).
  loadAverage: { before: loadBefore.map((x) => +x.toFixed(2)), after: os.loadavg().map((x) => +x.toFixed(2)) },
};
console.log(JSON.stringify({ name, ...result }, null, 2));
await mkdir(path.join(here, 'results'), { recursive: true });
await writeFile(
  path.join(here, 'results', `${name}.json`),
  `${JSON.stringify({ name, figures: result.figures, ratios: result.ratios, machine }, null, 2)}\n`,
);
