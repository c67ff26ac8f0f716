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
    // A body declared `Type.Optional(…)` may be left out: the handler then sees `{}` with defaults.
    if ((schema as { '~optional'?: boolean })['~optional'] !== true) return validate;
    return (data: unknown) => {
      if (data !== undefined) return validate(data);
      const empty = {};
      return validate(empty) ? { value: empty } : { error: new Error('body is required') };
    };
  };
}
