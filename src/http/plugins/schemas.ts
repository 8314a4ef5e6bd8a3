import fp from 'fastify-plugin';
import type { FastifyTypeProvider } from 'fastify';
import { z } from 'zod';
import { singleValueMessage } from '../../text-input.ts';
import { RequestValidationError } from '../errors.ts';

/** Lets routes declare zod schemas and get typed, parsed (coerced, defaulted) params, query and body. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends z.ZodType ? z.input<this['schema']> : unknown;
}

function validate(
  schema: z.ZodType,
  allowed: readonly string[],
  data: unknown,
): { value: unknown } | { error: RequestValidationError } {
  const r = schema.safeParse(data);
  if (r.success) return { value: r.data };
  const issues = r.error.issues.map((i) => ({
    path: i.path,
    message:
      i.code === 'unrecognized_keys'
        ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => JSON.stringify(k)).join(', ')}; ${allowed.length ? `allowed: ${allowed.join(', ')}` : 'this address takes none'}`
        : singleValueMessage(i, data),
  }));
  return { error: new RequestValidationError(issues, { cause: r.error }) };
}

const isZod = (s: unknown): s is z.ZodType => typeof s === 'object' && s !== null && 'safeParse' in s;

/** Every route's schema is zod: requests are parsed by it, JSON replies are checked against it. */
export const schemasPlugin = fp(
  async (app) => {
    app.setValidatorCompiler(({ schema }) => {
      if (!isZod(schema)) return (data: unknown) => ({ value: data });
      // Unknown query and body fields are refused everywhere (a typo such as `?form=` must not be ignored);
      // routes declare plain objects and get the strict form here, so no route can forget it.
      const strict: z.ZodType = schema instanceof z.ZodObject ? schema.strict() : schema;
      const allowed = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
      return (data: unknown) => validate(strict, allowed, data);
    });
    app.setSerializerCompiler(
      ({ schema }) =>
        (data: unknown) =>
          JSON.stringify(isZod(schema) ? schema.parse(data) : data),
    );
  },
  { name: 'schemas', fastify: '5.x' },
);

/** For routes that take nothing: any query parameter is refused (the compiler makes every object strict). */
export const noQuery = z.object({});
