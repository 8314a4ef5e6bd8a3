import { z } from 'zod';
import { describeIssues } from '../text-input.ts';

/** Option parsing shared by the labels, train and models commands: zod at the CLI edge. */

export class CliOptionError extends Error {
  override readonly name = 'CliOptionError';
  readonly code = 'HYDRA_CLI_OPTIONS';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Parses commander's options with a zod schema; a bad one is a CliOptionError naming each problem. */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new CliOptionError(describeIssues(r.error.issues, raw, 'options'), {
      cause: r.error,
    });
  return r.data;
}

export const userSchema = z.string().trim().min(1).max(100);
export const defaultUser = (): string => process.env.USER || 'expert';
