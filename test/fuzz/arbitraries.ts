import fc from 'fast-check';
import { encodeComponent, fillPath, type JsonSchema, type Operation, type Parameter } from './operations.js';

/** Who sends a fuzzed request. */
export type FuzzActor = 'owner' | 'customer' | 'anonymous';

/** A request as handed to `server.inject`, printable for a failure message. */
export interface FuzzRequest {
  actor: FuzzActor;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** Strings that have broken web backends before: injection, encodings, numbers in disguise. */
export const NASTY_STRINGS: readonly string[] = [
  "' OR 1=1 --",
  "'; drop table customer; --",
  '"; drop table orders; --',
  "1' union select null, version() --",
  "' || pg_sleep(0) || '",
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202eevil\u202c',
  '\u200f\u200e\u061c',
  '🛒🧾👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301\u0301',
  'Z\u0364\u0354\u0367\u0311\u0313a\u0356\u032d\u0308l\u036e\u0312g\u0317\u035ao',
  '\ufeffbom',
  '\uffff\ufffe',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '',
  ' ',
  '\t\n\r',
  'null',
  'undefined',
  'true',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '-1',
  '-0',
  '0x10',
  '９９',
  '9'.repeat(40),
  `-${'9'.repeat(40)}`,
  '2024-02-30T25:61:61Z',
  '0000-00-00',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '{{7*7}}',
  '${jndi:ldap://x/a}',
  '__proto__',
  'constructor',
  '*',
  '%',
  '_',
  '\\',
];

/** Long strings: over every maxLength the schemas declare, some in multi-byte characters. */
const LONG_STRINGS: readonly string[] = ['a'.repeat(513), 'x'.repeat(5_000), '€'.repeat(20_001), '👩‍👩‍👧‍👦'.repeat(3_000)];

const NASTY_NUMBERS: readonly number[] = [0, -1, -0.5, 1.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e308, -1e308, 5e-324, 1e21];

/**
 * Number literals JSON.stringify cannot write (they become Infinity or lose precision in
 * JSON.parse) and nesting deeper than anyone expects; spliced into the body text.
 */
const RAW_LITERALS: readonly string[] = ['1e400', '-1e400', '1'.repeat(400), '-0.0', '0.1e-400', '1.00000000000000000000000001', `${'['.repeat(5_000)}${']'.repeat(5_000)}`, `${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`];

/** Bodies that are not JSON, or JSON of a kind a handler never expects. */
const RAW_BODIES: readonly string[] = [
  '',
  '{',
  '{"a":',
  '}',
  'nul',
  'undefined',
  "{'single': 'quotes'}",
  '{"a":1,}',
  '{"a":1}}',
  '[1,2',
  '"just a string"',
  '42',
  'null',
  '[]',
  '[{}]',
  'true',
  '\u0000',
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"a":1,"a":2}',
  '\ufeff{}',
  `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
  `{"a":"${'b'.repeat(1_100_000)}"}`,
];

const WRONG_CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/jsonp',
  'text/csv',
  'application/x-ndjson',
  '*/*',
  'garbage',
];

/** Header values: the header must stay printable ASCII or the request never leaves the client. */
const NASTY_HEADER_VALUES: readonly string[] = ["' OR 1=1 --", '<script>alert(1)</script>', '', ' ', 'null', '-1', '9'.repeat(40), 'a'.repeat(5_000), '../../etc/passwd', '%00'];

const MAX_DEPTH = 6;

function first<T>(items: readonly T[]): fc.Arbitrary<T> {
  return fc.constantFrom(...items);
}

/** Values that satisfy `schema`, or nearly (patterns are honoured, length limits mostly). */
export function validValue(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > MAX_DEPTH) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum && schema.enum.length > 0) return first(schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options && options.length > 0) return fc.oneof(...options.map((s) => validValue({ ...withoutComposition(schema), ...s }, depth + 1)));
  if (schema.allOf && schema.allOf.length > 0) return validValue(Object.assign({}, withoutComposition(schema), ...schema.allOf), depth + 1);
  const type = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => validValue({ ...schema, type: t }, depth)));
  switch (type[0]) {
    case 'string':
      return stringValue(schema);
    case 'integer':
      return integerValue(schema);
    case 'number':
      return fc.oneof(integerValue(schema), fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return arrayValue(schema, depth);
    case 'object':
      return objectValue(schema, depth);
    default:
      if (schema.properties) return objectValue(schema, depth);
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function withoutComposition(schema: JsonSchema): JsonSchema {
  const { anyOf: _a, oneOf: _o, allOf: _l, ...rest } = schema;
  return rest;
}

function stringValue(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 64;
  const fits = (s: string) => s.length >= min && s.length <= max;
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern), { size: 'xsmall' }).filter(fits);
  switch (schema.format) {
    case 'date-time':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'date':
      return fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'uri':
      return fc.webUrl().filter(fits);
    case 'email':
      return fc.emailAddress().filter(fits);
    default:
      return fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, 24)), unit: 'grapheme' }).filter(fits);
  }
}

function integerValue(schema: JsonSchema): fc.Arbitrary<number> {
  let min = schema.minimum ?? -1_000_000;
  let max = schema.maximum ?? 1_000_000;
  if (schema.exclusiveMinimum !== undefined) min = Math.floor(schema.exclusiveMinimum) + 1;
  if (schema.exclusiveMaximum !== undefined) max = Math.ceil(schema.exclusiveMaximum) - 1;
  min = Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER);
  max = Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER);
  if (min > max) return fc.constant(min);
  // Small values and the bounds matter most; the rest of the range is sampled too.
  return fc.oneof(fc.integer({ min: Math.max(min, -5), max: Math.max(Math.max(min, -5), Math.min(max, 20)) }), fc.constantFrom(min, max), fc.integer({ min, max }));
}

function arrayValue(schema: JsonSchema, depth: number): fc.Arbitrary<unknown[]> {
  const item = validValue(schema.items ?? {}, depth + 1);
  const minLength = schema.minItems ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, 3));
  if (schema.uniqueItems) return fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) });
  return fc.array(item, { minLength, maxLength });
}

function objectValue(schema: JsonSchema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = schema.required ?? [];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, sub] of Object.entries(properties)) model[name] = validValue(sub, depth + 1);
  const record = fc.record(model, { requiredKeys: required.filter((k) => k in properties) });
  if (typeof schema.additionalProperties !== 'object') return record;
  const extra = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/), validValue(schema.additionalProperties, depth + 1), { maxKeys: 3 });
  return fc.tuple(record, extra).map(([known, more]) => ({ ...more, ...known }));
}

/** A value of the wrong kind for almost any field. */
export function nastyValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: first(NASTY_STRINGS) },
    { weight: 1, arbitrary: first(LONG_STRINGS) },
    { weight: 3, arbitrary: first(NASTY_NUMBERS) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': '' }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(1, 'a', null), { minLength: 1_000, maxLength: 1_200 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/** A string of the kind that ends up in a path segment, query value or key. */
function nastyText(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: first(NASTY_STRINGS) },
    { weight: 1, arbitrary: first(LONG_STRINGS) },
    { weight: 2, arbitrary: first(NASTY_NUMBERS).map(String) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }) },
  );
}

type Path = (string | number)[];

function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: unknown = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

function deleteAt(root: unknown, path: Path): unknown {
  if (path.length === 0) return undefined;
  const copy: unknown = structuredClone(root);
  let node = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return copy;
}

const RAW_MARKER = '\u0001raw\u0001';

interface Mutation {
  kind: 'replace' | 'drop' | 'extra' | 'raw';
  pick: number;
  key: string;
  value: unknown;
  raw: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('replace', 'replace', 'replace', 'drop', 'extra', 'raw'),
  pick: fc.nat(),
  key: fc.oneof(first(['__proto__', 'constructor', 'id', 'customerId', 'role', 'status', 'total', 'price', '']), nastyText()),
  value: nastyValue(),
  raw: first(RAW_LITERALS),
});

/** Body text for a valid value with one to three fields broken. */
function mutate(value: unknown, mutations: Mutation[]): string {
  let current = value;
  let raw: string | null = null;
  for (const m of mutations) {
    const paths = pathsOf(current);
    const path = paths[m.pick % paths.length]!;
    if (m.kind === 'replace') current = setAt(current, path, m.value);
    else if (m.kind === 'drop') current = path.length ? deleteAt(current, path) : current;
    else if (m.kind === 'raw' && raw === null) {
      raw = m.raw;
      current = setAt(current, path, RAW_MARKER);
    } else {
      const objects = paths.filter((p) => {
        const node = p.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], current);
        return node !== null && typeof node === 'object' && !Array.isArray(node);
      });
      const target = objects[m.pick % Math.max(objects.length, 1)];
      if (target) current = setAt(current, [...target, m.key], m.value);
    }
  }
  const text = current === undefined ? '' : JSON.stringify(current);
  return raw === null ? text : text.replace(JSON.stringify(RAW_MARKER), raw);
}

/** What goes in the body: the text and the content type it is sent with (null: no header). */
function bodyArbitrary(op: Operation): fc.Arbitrary<{ text: string | undefined; contentType: string | null }> {
  const schema = op.body?.schema ?? { type: 'object', additionalProperties: false };
  const jsonType = op.body?.contentTypes.includes('application/json') || !op.body ? 'application/json' : op.body.contentTypes[0]!;
  const contentType = fc.oneof({ weight: 12, arbitrary: fc.constant<string | null>(jsonType) }, { weight: 2, arbitrary: first(WRONG_CONTENT_TYPES) }, { weight: 1, arbitrary: fc.constant(null) });
  const valid = validValue(schema);
  const text = fc.oneof(
    { weight: op.body ? 3 : 0, arbitrary: valid.map((v) => JSON.stringify(v)) },
    { weight: op.body ? 10 : 1, arbitrary: fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => mutate(v, ms)) },
    { weight: 2, arbitrary: nastyValue().map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: first(RAW_BODIES) },
  );
  const withBody = fc.record({ text: text.map((t): string | undefined => t), contentType });
  if (op.body) return withBody;
  // Routes without a body still get one now and then.
  return fc.oneof({ weight: 5, arbitrary: fc.constant({ text: undefined, contentType: null }) }, { weight: 1, arbitrary: withBody });
}

/** A path or query value: a known ID now and then, a valid one, or something nasty. */
function textParam(param: Parameter, known: readonly string[]): fc.Arbitrary<string> {
  const valid = validValue(param.schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return fc.oneof(
    { weight: known.length ? 3 : 0, arbitrary: known.length ? first(known) : fc.constant('') },
    { weight: 2, arbitrary: valid },
    { weight: 3, arbitrary: nastyText() },
  );
}

function queryArbitrary(params: Parameter[], known: readonly string[]): fc.Arbitrary<string> {
  const parts = params.map((p) => {
    const name = encodeComponent(p.name);
    return fc.oneof(
      { weight: p.required ? 0 : 2, arbitrary: fc.constant('') },
      { weight: 4, arbitrary: textParam(p, known).map((v) => `${name}=${encodeComponent(v)}`) },
      { weight: 1, arbitrary: fc.tuple(textParam(p, known), textParam(p, known)).map(([a, b]) => `${name}=${encodeComponent(a)}&${name}=${encodeComponent(b)}`) },
      { weight: 1, arbitrary: fc.constantFrom(`${name}`, `${name}=`, `${name}[]=1`, `${name}[a]=1`, `${name}=%`, `${name}=%ZZ`, `${name}=%ED%A0%80`) },
    );
  });
  const extra = fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.tuple(nastyText(), nastyText()).map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`) });
  return fc.tuple(fc.tuple(...parts), extra).map(([ps, e]) => [...ps, e].filter(Boolean).join('&'));
}

/** Actors for an operation: the one most likely to get past authentication, mostly. */
function actorArbitrary(op: Operation): fc.Arbitrary<FuzzActor> {
  if (op.path.startsWith('/admin/')) return fc.oneof({ weight: 10, arbitrary: fc.constant<FuzzActor>('owner') }, { weight: 1, arbitrary: fc.constantFrom<FuzzActor>('customer', 'anonymous') });
  if (op.path.startsWith('/store/')) {
    return fc.oneof(
      { weight: 6, arbitrary: fc.constant<FuzzActor>('customer') },
      { weight: 3, arbitrary: fc.constant<FuzzActor>('anonymous') },
      { weight: 1, arbitrary: fc.constant<FuzzActor>('owner') },
    );
  }
  return fc.oneof({ weight: 6, arbitrary: fc.constant<FuzzActor>('anonymous') }, { weight: 1, arbitrary: fc.constantFrom<FuzzActor>('owner', 'customer') });
}

/**
 * Requests for one operation: its path parameters, query string, headers and body generated
 * from its schemas and then broken in the ways listed above. `known` holds IDs, SKUs and
 * handles that exist, so some requests reach the handlers' own checks.
 */
export function requestArbitrary(op: Operation, known: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const headerParams = op.params.filter((p) => p.in === 'header');
  const path = fc.tuple(...pathParams.map((p) => textParam(p, known))).map((values) => fillPath(op.path, Object.fromEntries(pathParams.map((p, i) => [p.name, encodeComponent(values[i]!)]))));
  const headers = fc.tuple(
    ...headerParams.map((p) =>
      fc.oneof(
        { weight: p.required ? 0 : 1, arbitrary: fc.constant<[string, string] | null>(null) },
        { weight: 3, arbitrary: validValue(p.schema).map((v): [string, string] | null => [p.name, String(v)]) },
        { weight: 2, arbitrary: first(NASTY_HEADER_VALUES).map((v): [string, string] | null => [p.name, v]) },
      ),
    ),
  );
  return fc.record({ actor: actorArbitrary(op), path, query: queryArbitrary(queryParams, known), headers, body: bodyArbitrary(op) }).map(({ actor, path: url, query, headers: hs, body }) => {
    const out: Record<string, string> = {};
    for (const h of hs) if (h && /^[\x20-\x7e]*$/.test(h[1])) out[h[0].toLowerCase()] = h[1];
    if (body.contentType !== null && body.text !== undefined) out['content-type'] = body.contentType;
    return { actor, method: op.method, url: query ? `${url}?${query}` : url, headers: out, ...(body.text !== undefined ? { payload: body.text } : {}) };
  });
}
