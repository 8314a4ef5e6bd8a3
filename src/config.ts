import { z } from 'zod';
import path from 'node:path';
import { decimalText, wholeNumberText } from './text-input.ts';

/**
 * Hydra's whole configuration: one schema, read once at start-up from the environment.
 * The README's configuration reference is generated from the descriptions here
 * (`hydra config reference`).
 */
export const configSchema = z.object({
  NATS_URL: z
    .string()
    .default('nats://127.0.0.1:4222')
    .describe(
      'NATS server with JetStream. When it does not answer, `hydra services up` starts a local one under var/.',
    ),
  DATABASE_URL: z
    .string()
    .default('mysql://root@127.0.0.1:3306/hydra')
    .describe(
      'MySQL/MariaDB URL; the path is the database name. When it does not answer, a local mariadbd is started under var/.',
    ),
  HYDRA_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,40}$/, 'lower-case letters, digits, _ and -')
    .default('hydra')
    .describe(
      'Root of every NATS name: subjects `<ns>.<aggregate>.<event>.<key>`, stream, buckets and consumers. Tests give each run its own.',
    ),
  HYDRA_VAR_DIR: z
    .string()
    .default(path.resolve(process.cwd(), 'var'))
    .describe('Where embedded services keep their data and Hydra keeps local state.'),
  HYDRA_EMBEDDED_SERVICES: z
    .enum(['auto', 'never'])
    .default('auto')
    .describe(
      'auto: `hydra up` and `hydra services up` start NATS and MariaDB under HYDRA_VAR_DIR when the configured ones do not answer; never: they fail instead. Other commands and `hydra worker` never start them.',
    ),
  HYDRA_PYTHON: z
    .string()
    .optional()
    .describe('Python interpreter with torch for the trainer; found automatically when unset.'),
  HYDRA_HTTP_PORT: wholeNumberText({ min: 0, max: 65535 }).default(8080).describe('Port of the web pages and API.'),
  HYDRA_HTTP_HOST: z.string().default('127.0.0.1').describe('Address the web server listens on.'),
  HYDRA_STALE_MINUTES: decimalText({ min: 0, aboveMin: true, max: 7 * 24 * 60 })
    .default(10)
    .describe('The Run page warns when no image has arrived for this many minutes (per plot type and overall).'),
  HYDRA_TIMEZONE: z
    .string()
    .default('UTC')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'an IANA time zone')
    .describe('Time zone the pages show times in (IANA name, e.g. America/New_York).'),
  HYDRA_INBOX: z
    .string()
    .default(path.resolve(process.cwd(), 'var/inbox'))
    .describe('Directory the feeder watches for new plot images.'),
  HYDRA_API_TOKEN: z
    .string()
    .min(16, 'at least 16 characters')
    .optional()
    .describe(
      'Bootstrap API token: machine clients presenting it (`Authorization: Bearer …`) act as a Labeler, e.g. for the upload API. Admins create per-client tokens on /admin or with `hydra tokens create`.',
    ),
  HYDRA_SESSION_SECRET: z
    .string()
    .min(32, 'at least 32 characters')
    .optional()
    .describe(
      'Secret that signs the session and CSRF cookies; give every web process of a site the same one. Unset: one is generated once and kept in <HYDRA_VAR_DIR>/session-secret.',
    ),
  HYDRA_SESSION_HOURS: decimalText({ min: 0, aboveMin: true, max: 24 * 30 })
    .default(12)
    .describe('How long a sign-in lasts (the session cookie expires then, and the server forgets the session).'),
  HYDRA_SIGNIN_ATTEMPTS: wholeNumberText({ min: 1, max: 1000 })
    .default(5)
    .describe(
      'Sign-in attempts allowed per minute for one user name from one address; more are refused (429), for longer each time.',
    ),
  HYDRA_ALLOWED_HOSTS: z
    .string()
    .default('')
    .describe(
      "More host names (comma-separated) the pages answer to, besides HYDRA_PUBLIC_URL's and the listen address; any other Host gets 421 (DNS rebinding).",
    ),
  HYDRA_TRUSTED_PROXIES: z
    .string()
    .default('')
    .describe(
      'Addresses or CIDR ranges (comma-separated) of reverse proxies: their X-Forwarded-For and X-Forwarded-Proto are believed, and so is HYDRA_PROXY_USER_HEADER.',
    ),
  HYDRA_PROXY_USER_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name')
    .optional()
    .describe(
      "Single sign-on: header (e.g. X-Remote-User) in which a trusted proxy names the signed-in user; that Hydra user's roles apply. Ignored from any other address.",
    ),
  HYDRA_METRICS_FROM: z
    .string()
    .default('')
    .describe(
      'Addresses or CIDR ranges (comma-separated) allowed to scrape /metrics without a token (Prometheus); others need a Viewer API token or session.',
    ),
  HYDRA_PUBLIC_URL: z
    .url()
    .optional()
    .describe(
      'Address people reach the pages at, for links in alarm notifications (default: http://HYDRA_HTTP_HOST:HYDRA_HTTP_PORT).',
    ),
  HYDRA_ALARM_WEBHOOK_URL: z
    .url()
    .optional()
    .describe(
      'Every alarm.raised, alarm.resolved and alarm.acknowledged is POSTed here as JSON (a 2xx answer counts as delivered). Unset: no webhook.',
    ),
  HYDRA_ALERTMANAGER_URL: z
    .url()
    .optional()
    .describe(
      'Prometheus Alertmanager base URL (e.g. http://127.0.0.1:9093): alarms are POSTed to /api/v2/alerts, resolutions end them. Unset: no Alertmanager.',
    ),
  HYDRA_ALERTMANAGER_RESEND_SECONDS: decimalText({ min: 0, aboveMin: true, max: 24 * 3600 })
    .default(60)
    .describe(
      'Open alarms are re-sent to Alertmanager this often (it forgets alerts nobody re-sends, and after its own restart); each is valid for four times this.',
    ),
  HYDRA_ALARM_SEVERITY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .default('critical')
    .describe('The `severity` label of the alerts Hydra sends to Alertmanager.'),
  HYDRA_NOTIFY_TIMEOUT_MS: wholeNumberText({ min: 1, max: 3_600_000 })
    .default(10_000)
    .describe(
      'How long one notification (webhook or Alertmanager request) may take before it counts as failed and is retried.',
    ),
  HYDRA_NOTIFY_RETRY_MAX_SECONDS: decimalText({ min: 0, aboveMin: true, max: 24 * 3600 })
    .default(60)
    .describe(
      'Longest wait between retries of a notification a target refused (the wait doubles from 1 s up to this); nothing is dropped.',
    ),
  HYDRA_SMTP_URL: z
    .url()
    .refine((u) => /^smtps?:$/.test(new URL(u).protocol), 'an smtp:// or smtps:// URL (smtp://user:password@host:587)')
    .optional()
    .describe(
      "Mail server (smtp://[user:password@]host[:port], or smtps:// for TLS from the start): when a training completes, the training role e-mails its report's link to the plot type's contact; when labelling of a plot type's unbiased sample starts to lag (stale), the sustain role tells its contact once. Unset: no e-mail.",
    ),
  HYDRA_MAIL_FROM: z
    .string()
    .max(200)
    .regex(/^([^<>@]*<)?[^@\s<>]+@[^@\s<>]+>?$/, 'an address, or a name and <address>')
    .default('hydra@localhost')
    .describe('Sender of the e-mails Hydra sends (training reports, stale notices).'),
  HYDRA_MAX_IMAGE_BYTES: wholeNumberText({ min: 1, max: 2 ** 31 - 1 })
    .default(20 * 1024 * 1024)
    .describe('Largest image file accepted by ingest, in bytes.'),
  HYDRA_MAX_IMAGE_PIXELS: wholeNumberText({ min: 1, max: 2 ** 31 - 1 })
    .default(40_000_000)
    .describe('Largest image accepted by ingest, in pixels (width x height): refuses decompression bombs.'),
  HYDRA_INGEST_AFTER: z
    .enum(['delete', 'archive'])
    .default('delete')
    .describe(
      'What the feeder does with a file once it is ingested: delete it, or move it under HYDRA_ARCHIVE_DIR/<run>/.',
    ),
  HYDRA_INGEST_SETTLE_MS: wholeNumberText({ min: 0, max: 3_600_000 })
    .default(300)
    .describe(
      'A file is taken once its size and time have not changed for this long (writers that rename into place are taken at once).',
    ),
  HYDRA_INGEST_GRACE_MS: wholeNumberText({ min: 0, max: 3_600_000 })
    .default(10_000)
    .describe('An empty or half-written PNG is rejected only after it has not grown for this long.'),
  HYDRA_INGEST_CONCURRENCY: wholeNumberText({ min: 1, max: 256 })
    .default(16)
    .describe('Files the feeder ingests at once.'),
  HYDRA_QUARANTINE_DIR: z
    .string()
    .optional()
    .describe('Where rejected files go, each beside a .reason.txt (default: <HYDRA_VAR_DIR>/quarantine).'),
  HYDRA_UNASSIGNED_DIR: z
    .string()
    .optional()
    .describe('Where images of unconfigured plot types wait (default: <HYDRA_VAR_DIR>/unassigned).'),
  HYDRA_ARCHIVE_DIR: z
    .string()
    .optional()
    .describe('Where ingested files go when HYDRA_INGEST_AFTER=archive (default: <HYDRA_VAR_DIR>/archive).'),
  HYDRA_TRAINING_DIR: z
    .string()
    .optional()
    .describe(
      'Where the training worker builds datasets and runs the trainer (default: <HYDRA_VAR_DIR>/training); each run is removed when it ends.',
    ),
  HYDRA_TRAINING_READ_MODEL_WAIT_MS: wholeNumberText({ min: 0, max: 3_600_000 })
    .default(60_000)
    .describe(
      'How long a training run waits for the labels and images read models to catch up with the stream before it reads them.',
    ),
  HYDRA_SUSTAIN_INTERVAL_S: decimalText({ min: 0, aboveMin: true, max: 24 * 3600 })
    .default(300)
    .describe(
      'How often the self-sustaining loop (hydra worker sustain) assesses each active model on the unbiased labelled sample and compares retrained models.',
    ),
  HYDRA_SUSTAIN_MAX_LABEL_WAIT_HOURS: decimalText({ min: 0, aboveMin: true, max: 24 * 365 })
    .default(24)
    .describe(
      'An unbiased sample waiting longer than this for a label makes the trailing accuracy stale: the pages say so instead of showing it as current.',
    ),
  HYDRA_SUSTAIN_DRIFT_WINDOW: wholeNumberText({ min: 10, max: 100_000 })
    .default(500)
    .describe(
      "The active model's latest verdicts both drift signals (its confidences, its verdict mix) look at, without labels.",
    ),
  HYDRA_SUSTAIN_DRIFT_MIN_VERDICTS: wholeNumberText({ min: 1, max: 100_000 })
    .default(200)
    .describe('Latest verdicts the confidence drift needs before it speaks (at most HYDRA_SUSTAIN_DRIFT_WINDOW).'),
  HYDRA_SUSTAIN_DRIFT_THRESHOLD: decimalText({ min: 0, aboveMin: true, max: 1000 })
    .default(0.25)
    .describe(
      "Population stability index of the latest confidences against the validation set's beyond which the model is drifting.",
    ),
  HYDRA_SUSTAIN_MIX_REFERENCE: wholeNumberText({ min: 10, max: 100_000 })
    .default(100)
    .describe(
      "The active model's first live verdicts: their mix of labels is the reference the verdict-mix drift compares its latest verdicts with.",
    ),
  HYDRA_SUSTAIN_MIX_MIN_VERDICTS: wholeNumberText({ min: 10, max: 100_000 })
    .default(50)
    .describe('Verdicts after the reference the verdict-mix drift needs before it speaks.'),
  HYDRA_SUSTAIN_MIX_ALPHA: decimalText({ min: 0, aboveMin: true, max: 1 })
    .default(0.001)
    .describe(
      'The verdict mix drifts when a G-test finds the latest mix this unlikely (p below it) for a model that still sees what it saw at first, and HYDRA_SUSTAIN_MIX_MIN_SHIFT holds too.',
    ),
  HYDRA_SUSTAIN_MIX_MIN_SHIFT: decimalText({ min: 0, aboveMin: true, max: 1 })
    .default(0.15)
    .describe(
      "The verdict mix drifts only when some label's share of the latest verdicts differs from its share of the first by at least this (0-1): a large window makes a trifle significant.",
    ),
  HYDRA_ADMINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .describe(
      'Comma-separated user names allowed to override rules, e.g. activate a model nobody has signed off (`hydra models activate --override`).',
    ),
  HYDRA_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Console log level.'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'HYDRA_CONFIG_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Reads the configuration from an environment-like record; throws ConfigError listing every bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(Object.keys(configSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = configSchema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Variables that only the benchmarks and tests read (bench/README and test/support say which). */
const NOT_SETTINGS = /^HYDRA_(BENCH|ACC)_[A-Z0-9_]+$|^HYDRA_SCREENSHOTS$/;

/** Edits needed to turn one name into another (Levenshtein), to suggest the setting a typo meant. Pure. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        (row[j] ?? 0) + 1,
        (next[j - 1] ?? 0) + 1,
        (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] ?? 0;
}

/**
 * HYDRA_* variables in the environment that are not settings (a typo such as HYDRA_HTTP_PROT would otherwise be
 * ignored in silence), each with the setting it most likely meant. Every command warns about them.
 */
export function unknownSettings(env: Record<string, string | undefined>): string[] {
  const known = Object.keys(configSchema.shape);
  return Object.keys(env)
    .filter((k) => k.startsWith('HYDRA_') && !known.includes(k) && !NOT_SETTINGS.test(k))
    .sort()
    .map((k) => {
      const [closest] = known.map((n) => ({ n, d: distance(k, n) })).sort((x, y) => x.d - y.d);
      const hint = closest && closest.d <= 3 ? ` (did you mean ${closest.n}?)` : '';
      return `${k} is not a Hydra setting${hint}; it is ignored (\`hydra config\` lists the settings)`;
    });
}

/** The database name in DATABASE_URL, and the URL with another database name. */
export function databaseName(url: string): string {
  const name = new URL(url).pathname.replace(/^\//, '');
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new ConfigError(`DATABASE_URL must name a database ([A-Za-z0-9_]+), got "${name}"`);
  return name;
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Markdown table of every setting, for the README. */
export function configReference(): string {
  const rows = Object.entries(configSchema.shape).map(([key, schema]) => {
    const def = (schema as z.ZodType).safeParse(undefined);
    const shown =
      def.success && def.data !== undefined ? `\`${String(def.data).replace(process.cwd(), '.')}\`` : '(unset)';
    return `| \`${key}\` | ${shown} | ${schema.description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
