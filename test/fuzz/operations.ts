import type { FastifyInstance } from 'fastify';

/** The subset of JSON Schema the routes' TypeBox schemas use. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the OpenAPI document, as the suites walk it. */
export interface Operation {
  /** `POST /admin/products/{id}`: stable, used in test names, seeds and FUZZ_ONLY. */
  key: string;
  method: string;
  /** The OpenAPI path, with `{name}` placeholders. */
  path: string;
  params: Parameter[];
  body: { required: boolean; contentTypes: string[]; schema: JsonSchema } | null;
  /** Declared security requirements; `[]` or absent means none, `{}` inside means optional. */
  security: Record<string, string[]>[];
  /** Declared response status codes. */
  responses: string[];
}

interface OpenApiOperation {
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/**
 * Every operation of the app's generated OpenAPI document, in document order. Routes added
 * later appear here without any change to the suites.
 */
export function operationsOf(server: FastifyInstance): Operation[] {
  const doc = server.swagger() as { paths?: Record<string, Partial<Record<string, OpenApiOperation>>> };
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params: Parameter[] = (op.parameters ?? [])
        .filter((p): p is { name: string; in: Parameter['in']; required?: boolean; schema?: JsonSchema } => p.in === 'path' || p.in === 'query' || p.in === 'header')
        .map((p) => ({ name: p.name, in: p.in, required: p.required === true || p.in === 'path', schema: p.schema ?? {} }));
      const content = op.requestBody?.content ?? {};
      const contentTypes = Object.keys(content);
      const first = contentTypes[0];
      const body = first ? { required: op.requestBody?.required === true, contentTypes, schema: content[first]?.schema ?? {} } : null;
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params,
        body,
        security: op.security ?? [],
        responses: Object.keys(op.responses ?? {}),
      });
    }
  }
  return out;
}

/** The URL of an operation with its path parameters filled in (already encoded). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${path}`);
    return value;
  });
}

/** The `{name}` placeholders of an OpenAPI path, in order. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

/** Percent-encodes a path segment or query value; a lone surrogate becomes the invalid UTF-8 it would be in CESU-8. */
export function encodeComponent(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    let out = '';
    for (const ch of value) {
      const code = ch.codePointAt(0)!;
      if (code >= 0xd800 && code <= 0xdfff) {
        out += `%${(0xe0 | (code >> 12)).toString(16).toUpperCase()}%${(0x80 | ((code >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (code & 0x3f)).toString(16).toUpperCase()}`;
      } else out += encodeURIComponent(ch);
    }
    return out;
  }
}
