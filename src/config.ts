import { z } from 'zod';
import path from 'node:path';

/**
 * Hydra's whole configuration: one schema, read once at start-up from the environment.
 * The README's configuration reference is generated from the descriptions here
 * (`hydra config reference`).
 */
export const configSchema = z.object({
  NATS_URL: z.string().default('nats://127.0.0.1:4222')
    .describe('NATS server with JetStream. When it does not answer, `hydra services up` starts a local one under var/.'),
  DATABASE_URL: z.string().default('mysql://root@127.0.0.1:3306/hydra')
    .describe('MySQL/MariaDB URL; the path is the database name. When it does not answer, a local mariadbd is started under var/.'),
  HYDRA_NAMESPACE: z.string().regex(/^[a-z][a-z0-9_-]{0,40}$/, 'lower-case letters, digits, _ and -').default('hydra')
    .describe('Root of every NATS name: subjects `<ns>.<aggregate>.<event>.<key>`, stream, buckets and consumers. Tests give each run its own.'),
  HYDRA_VAR_DIR: z.string().default(path.resolve(process.cwd(), 'var'))
    .describe('Where embedded services keep their data and Hydra keeps local state.'),
  HYDRA_PYTHON: z.string().optional()
    .describe('Python interpreter with torch for the trainer; found automatically when unset.'),
  HYDRA_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080)
    .describe('Port of the web pages and API.'),
  HYDRA_HTTP_HOST: z.string().default('127.0.0.1')
    .describe('Address the web server listens on.'),
  HYDRA_INBOX: z.string().default(path.resolve(process.cwd(), 'var/inbox'))
    .describe('Directory the feeder watches for new plot images.'),
  HYDRA_API_TOKEN: z.string().optional()
    .describe('Bearer token machine clients present to the upload API. Unset: uploads need no token (local use only).'),
  HYDRA_MAX_IMAGE_BYTES: z.coerce.number().int().positive().default(20 * 1024 * 1024)
    .describe('Largest image file accepted by ingest, in bytes.'),
  HYDRA_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info')
    .describe('Console log level.'),
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
  const known = Object.fromEntries(
    Object.keys(configSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = configSchema.safeParse(known);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** The database name in DATABASE_URL, and the URL with another database name. */
export function databaseName(url: string): string {
  const name = new URL(url).pathname.replace(/^\//, '');
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new ConfigError(`DATABASE_URL must name a database ([A-Za-z0-9_]+), got "${name}"`);
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
    const shown = def.success && def.data !== undefined ? `\`${String(def.data).replace(process.cwd(), '.')}\`` : '(unset)';
    return `| \`${key}\` | ${shown} | ${schema.description ?? ''} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
