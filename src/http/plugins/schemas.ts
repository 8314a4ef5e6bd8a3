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

const isZod = (s: unknown): s is z.ZodType => typeof s === 'object' && s !== null && 'safeParse' in s;

/** Every route's schema is zod: requests are parsed by it, JSON replies are checked against it. */
export const schemasPlugin = fp(
  async (app) => {
    app.setValidatorCompiler(({ schema }) => (data: unknown) => {
      if (!isZod(schema)) return { value: data };
      const r = schema.safeParse(data);
      if (r.success) return { value: r.data };
      const issues = r.error.issues.map((i) => ({ path: i.path, message: singleValueMessage(i, data) }));
      return { error: new RequestValidationError(issues, { cause: r.error }) };
    });
    app.setSerializerCompiler(
      ({ schema }) =>
        (data: unknown) =>
          JSON.stringify(isZod(schema) ? schema.parse(data) : data),
    );
  },
  { name: 'schemas', fastify: '5.x' },
);

/** For routes that take nothing: unknown query parameters are dropped. */
export const noQuery = z.object({});
