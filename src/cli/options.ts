import type { Command } from 'commander';
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

/**
 * A value option given twice (`--run 5 --run 6`) is refused rather than silently taking the last one, as a
 * duplicated form field is. Flags and options that collect several values may repeat. Pure over the words given.
 */
export function repeatedOptions(command: Command, words: readonly string[]): string[] {
  const end = words.indexOf('--');
  const given = end === -1 ? words : words.slice(0, end);
  return command.options
    .filter((o) => (o.required || o.optional) && !o.variadic)
    .filter(
      (o) => given.filter((w) => (o.long && (w === o.long || w.startsWith(`${o.long}=`))) || w === o.short).length > 1,
    )
    .map((o) => o.long ?? o.short ?? o.flags);
}

/** Installs the check above on every command of the program (commander's preAction hook). */
export function refuseRepeatedOptions(program: Command): void {
  // process.argv: commander keeps the words it was given, but not in its typed API.
  program.hook('preAction', (_program, action) => {
    const repeated = repeatedOptions(action, process.argv.slice(2));
    if (repeated.length)
      throw new CliOptionError(`${repeated.map((r) => `${r}: given more than once; give one value`).join('\n')}`);
  });
}
