import type { Command } from 'commander';
import { z } from 'zod';
import { wholeNumberText } from '../text-input.ts';
import { acknowledgeAlarm } from '../alarms/acknowledge.ts';
import { AlarmBook } from '../alarms/book.ts';
import { loadConfig } from '../config.ts';
import { openHydra, type Hydra } from '../context.ts';
import type { AlarmRow } from '../projections/alarms/table.ts';

const listOptions = z.object({
  open: z.boolean().default(false),
  limit: wholeNumberText({ min: 1, max: 100_000 }).default(50),
  json: z.boolean().default(false),
});

const ackOptions = z.object({
  user: z.string({ error: 'who acknowledges: --user NAME' }).trim().min(1, 'who acknowledges: --user NAME'),
  comment: z.string().optional(),
});

/** One alarm per line, for people: id, state, where, how sure, when, who acknowledged it. */
export function formatAlarm(r: AlarmRow): string {
  const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '');
  const parts = [
    r.alarmId.padEnd(28),
    r.state.padEnd(12),
    r.detector.padEnd(8),
    `run ${r.run}`.padEnd(11),
    `${r.label} ${r.confidence.toFixed(2)}`.padEnd(12),
    `raised ${when(r.raisedAt)}`,
  ];
  if (r.resolvedAt) parts.push(`resolved ${when(r.resolvedAt)}`);
  if (r.acknowledgedBy) parts.push(`ack ${r.acknowledgedBy}${r.comment ? `: ${JSON.stringify(r.comment)}` : ''}`);
  return parts.join('  ');
}

async function withHydra<T>(fn: (h: Hydra) => Promise<T>): Promise<T> {
  const hydra = await openHydra(loadConfig(), { producer: 'alarms-cli', services: 'find' });
  try {
    return await fn(hydra);
  } finally {
    await hydra.close();
  }
}

export function registerAlarmCommands(program: Command): void {
  const alarms = program.command('alarms').description('alarm episodes: list them, acknowledge one');

  alarms
    .command('list')
    .description('alarm episodes, latest raised first (from the event stream)')
    .option('--open', 'only those not resolved yet')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'one JSON object per line')
    .action(async (raw: unknown) => {
      const opts = listOptions.parse(raw);
      await withHydra(async (h) => {
        const book = await AlarmBook.load(h.log);
        const rows = (opts.open ? book.open() : book.all()).slice(0, opts.limit);
        for (const r of rows) console.log(opts.json ? JSON.stringify(r) : formatAlarm(r));
        if (rows.length === 0 && !opts.json) console.log(opts.open ? 'no open alarms' : 'no alarms yet');
      });
    });

  alarms
    .command('ack')
    .description('say you saw an alarm (and what you did): appends alarm.acknowledged')
    .argument('<alarmId>', 'as `hydra alarms list` shows it, e.g. CDC_occupancy-3')
    .option('--user <name>', 'who acknowledges (default: $USER)', process.env.USER)
    .option('--comment <text>', 'what was seen or done')
    .action(async (alarmId: string, raw: unknown) => {
      const opts = ackOptions.parse(raw);
      await withHydra(async (h) => {
        const { alarm } = await acknowledgeAlarm(
          h.log,
          { alarmId, user: opts.user, comment: opts.comment },
          { producer: 'cli' },
        );
        console.log(
          `acknowledged ${alarm.alarmId} (${alarm.plotType}, ${alarm.state === 'resolved' ? 'already resolved' : 'still open'}) as ${opts.user}`,
        );
      });
    });
}
