import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface Call {
  status: number;
  body: any;
  headers: LightMyRequestResponse['headers'];
}

/** A small client over `app.inject` for JSON APIs. */
export function client(server: FastifyInstance) {
  async function call(method: string, url: string, options: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string } = {}): Promise<Call> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.raw !== undefined) headers['content-type'] ??= 'application/json';
    const res = await server.inject({
      method: method as 'GET',
      url,
      headers,
      ...(options.raw !== undefined ? { payload: options.raw } : options.body !== undefined ? { payload: options.body as object } : {}),
    });
    let body: unknown = res.body;
    if (res.body && /json/.test(String(res.headers['content-type']))) body = res.json();
    return { status: res.statusCode, body, headers: res.headers };
  }
  return {
    call,
    get: (url: string, o?: Parameters<typeof call>[2]) => call('GET', url, o),
    post: (url: string, body?: unknown, o?: Parameters<typeof call>[2]) => call('POST', url, { ...o, body }),
    patch: (url: string, body?: unknown, o?: Parameters<typeof call>[2]) => call('PATCH', url, { ...o, body }),
    delete: (url: string, o?: Parameters<typeof call>[2]) => call('DELETE', url, o),
  };
}

/** Asserts a problem+json response with the given status and code. */
export function assertProblem(res: Call, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.body.code, code);
  assert.equal(res.body.status, status);
  assert.equal(typeof res.body.title, 'string');
  assert.equal(typeof res.body.type, 'string');
}
