/** A problem from the API (`application/problem+json`), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field problems keyed by JSON pointer (`/variants/0/sku`). */
    readonly fields: { field: string; message: string }[] = [],
  ) {
    super(message);
  }

  /** The message for one field (exact pointer, or the first under it), if any. */
  fieldMessage(pointer: string): string | undefined {
    const hit = this.fields.find((f) => f.field === pointer) ?? this.fields.find((f) => f.field.startsWith(`${pointer}/`));
    return hit?.message;
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

let currentToken: string | null = null;
let onUnauthorized: () => void = () => {};

/** Set by the session: the bearer token sent with every call, and what to do on a 401. */
export function configureApi(token: string | null, unauthorized: () => void): void {
  currentToken = token;
  onUnauthorized = unauthorized;
}

type Query = Record<string, string | number | undefined | null>;

/** Calls the admin API on the same origin; throws ApiError on any non-2xx answer. */
export async function api<T>(
  method: string,
  path: string,
  options: { body?: unknown; query?: Query; headers?: Record<string, string>; /** Sent as is instead of a JSON body, such as a CSV file. */ raw?: { text: string; type: string } } = {},
): Promise<T> {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (currentToken) headers.authorization = `Bearer ${currentToken}`;
  let body: string | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.type;
    body = options.raw.text;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const problem = (data ?? {}) as { code?: string; detail?: string; title?: string; fields?: { field: string; message: string }[] };
    const error = new ApiError(res.status, problem.code ?? `HTTP_${res.status}`, problem.detail ?? problem.title ?? res.statusText, problem.fields ?? []);
    // A signed-in call refused as unauthenticated means the token expired or was revoked.
    if (res.status === 401 && currentToken && !path.endsWith('/auth/login')) onUnauthorized();
    throw error;
  }
  return data as T;
}

/** A fresh idempotency key (crypto.randomUUID needs a secure context; this does not). */
export function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
