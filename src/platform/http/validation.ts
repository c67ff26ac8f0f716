import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const common: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };

/**
 * Route validators. Bodies are checked strictly: no type coercion and unknown properties are
 * errors, never silently dropped. Query strings, params and headers arrive as text, so those
 * are coerced (`?limit=20` → 20).
 */
export function createValidatorCompiler(schemas: object[]): FastifySchemaCompiler<unknown> {
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const coercing = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  for (const schema of schemas) {
    strict.addSchema(schema);
    coercing.addSchema(schema);
  }
  return ({ schema, httpPart }) => {
    if (httpPart !== 'body') return coercing.compile(schema as object);
    const validate = strict.compile(schema as object);
    // A body declared `Type.Optional(…)` may be left out (Fastify passes it as null): the handler
    // then sees `{}` with defaults. Fastify reads a failed validator's `errors`, so they are copied.
    if ((schema as { '~optional'?: boolean })['~optional'] !== true) return validate;
    const optional = (data: unknown) => {
      const missing = data === undefined || data === null;
      const value = missing ? {} : data;
      const ok = validate(value);
      optional.errors = validate.errors;
      if (!ok) return false;
      return missing ? { value } : true;
    };
    optional.errors = null as typeof validate.errors;
    return optional;
  };
}
