/** A field-level problem, named by its JSON path (`/email`, `/addresses/0/country`). */
export interface FieldProblem {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  detail?: string;
  fields?: FieldProblem[];
  cause?: unknown;
  /** Extra response headers (e.g. `Retry-After`). */
  headers?: Record<string, string>;
}

/**
 * The one error type the HTTP layer renders as `application/problem+json`. `code` is stable
 * (clients branch on it); `status` and `title` come from the owning module's table.
 */
export class AppError extends Error {
  readonly detail?: string;
  readonly fields?: FieldProblem[];
  readonly headers?: Record<string, string>;
  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    options: AppErrorOptions = {},
  ) {
    super(options.detail ?? title, { cause: options.cause });
    this.name = 'AppError';
    this.detail = options.detail;
    this.fields = options.fields;
    this.headers = options.headers;
  }
}

export type ErrorTable = Record<string, readonly [status: number, title: string]>;

/**
 * Declares a module's error codes with their HTTP status and title, and returns a factory
 * typed to exactly those codes:
 *
 * @example
 * export const customerError = defineErrors({ USER_EMAIL_TAKEN: [409, 'Email already registered'] });
 * throw customerError('USER_EMAIL_TAKEN', { detail: 'ann@example.com is taken' });
 */
export function defineErrors<T extends ErrorTable>(table: T) {
  const fn = (code: keyof T & string, options?: AppErrorOptions): AppError => {
    const [status, title] = table[code]!;
    return new AppError(code, status, title, options);
  };
  return Object.assign(fn, { table });
}

/** Codes the platform itself raises. */
export const platformError = defineErrors({
  VALIDATION_FAILED: [400, 'Request validation failed'],
  MALFORMED_JSON: [400, 'Malformed JSON body'],
  BAD_REQUEST: [400, 'Bad request'],
  PAGINATION_INVALID_CURSOR: [400, 'Invalid pagination cursor'],
  AUTH_REQUIRED: [401, 'Authentication required'],
  AUTH_FORBIDDEN: [403, 'Not allowed'],
  NOT_FOUND: [404, 'Not found'],
  ROUTE_NOT_FOUND: [404, 'Route not found'],
  METHOD_NOT_ALLOWED: [405, 'Method not allowed'],
  CONFLICT: [409, 'Conflicts with existing data'],
  PAYLOAD_TOO_LARGE: [413, 'Request body too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported media type'],
  RATE_LIMITED: [429, 'Too many requests'],
  INTERNAL: [500, 'Internal server error'],
  SERVICE_UNAVAILABLE: [503, 'Service unavailable'],
});
