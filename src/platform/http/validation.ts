import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const common: Options = { allErrors: true, useDefaults: true, removeAdditional: false, strict: false };

/** Where the first string (or key) containing U+0000 is, as a JSON pointer; null when none does. */
function nulAt(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '/' : null;
  // Deeper than any schema nests; the schema validator rejects such a value anyway.
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = nulAt(value[i], `${path}/${i}`, depth + 1);
      if (at !== null) return at;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${path}/${key}`;
    const at = nulAt(item, `${path}/${key}`, depth + 1);
    if (at !== null) return at;
  }
  return null;
}

type Validate = ReturnType<FastifySchemaCompiler<unknown>> & { errors?: unknown };

/**
 * PostgreSQL text and jsonb cannot hold U+0000, so a request carrying it would fail in the
 * middle of its work: it is refused with the schema errors, before any handler runs.
 */
function refusingNul(validate: Validate): Validate {
  const check = (data: unknown) => {
    const at = nulAt(data, '');
    if (at !== null) {
      check.errors = [{ instancePath: at, keyword: 'nul', params: {}, message: 'must not contain the NUL character (U+0000)' }];
      return false;
    }
    const result = validate(data);
    check.errors = validate.errors;
    return result;
  };
  check.errors = null as unknown;
  return check as Validate;
}

/**
 * Route validators. Bodies are checked strictly: no type coercion and unknown properties are
 * errors, never silently dropped. Query strings, params and headers arrive as text, so those
 * are coerced (`?limit=20` → 20). No part may carry U+0000 (see `refusingNul`).
 */
export function createValidatorCompiler(schemas: object[]): FastifySchemaCompiler<unknown> {
  const strict = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const coercing = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  for (const schema of schemas) {
    strict.addSchema(schema);
    coercing.addSchema(schema);
  }
  return (route) => refusingNul(compile(route));

  function compile({ schema, httpPart }: Parameters<FastifySchemaCompiler<unknown>>[0]): Validate {
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
  }
}
