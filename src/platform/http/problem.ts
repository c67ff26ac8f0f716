import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, platformError, type FieldProblem } from '../errors.js';
import { FOREIGN_KEY_VIOLATION, isConnectionError, isPgError, UNIQUE_VIOLATION } from '../pg-errors.js';

const TYPE_BASE = 'https://bazaar.dev/problems/';

interface AjvIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function fieldsFromValidation(issues: AjvIssue[], context: string | undefined): FieldProblem[] {
  const prefix = context && context !== 'body' ? `${context}:` : '';
  return issues.map((issue) => {
    let field = issue.instancePath || '/';
    let message = issue.message ?? 'is invalid';
    if (issue.keyword === 'required') {
      field = `${issue.instancePath}/${String(issue.params.missingProperty)}`;
      message = 'is required';
    } else if (issue.keyword === 'additionalProperties') {
      field = `${issue.instancePath}/${String(issue.params.additionalProperty)}`;
      message = 'is not an allowed field';
    }
    return { field: prefix + field, message };
  });
}

/** Maps anything thrown while handling a request to the AppError it is rendered as. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  // `throw null` / `Promise.reject()` reach here too: read fields of an empty object instead.
  const fe = (err ?? {}) as Partial<FastifyError> & { validation?: AjvIssue[]; validationContext?: string };
  if (fe.validation) {
    const fields = fieldsFromValidation(fe.validation, fe.validationContext);
    return platformError('VALIDATION_FAILED', {
      detail: fields.map((f) => `${f.field} ${f.message}`).join('; '),
      fields,
    });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return platformError('PAYLOAD_TOO_LARGE', { detail: 'The request body exceeds the size limit' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return platformError('MALFORMED_JSON', { detail: 'The request body is not valid JSON' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return platformError('UNSUPPORTED_MEDIA_TYPE', { detail: 'Send application/json' });
    case 'FST_ERR_BAD_URL':
      return platformError('BAD_REQUEST', { detail: 'The URL is not valid percent-encoded UTF-8' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return platformError('BAD_REQUEST', { detail: 'A path segment is longer than the router accepts' });
    default:
      break;
  }
  if (isPgError(err)) {
    if (err.code === UNIQUE_VIOLATION) return platformError('CONFLICT', { detail: 'A record with these values already exists' });
    if (err.code === FOREIGN_KEY_VIOLATION) return platformError('CONFLICT', { detail: 'A referenced record does not exist or is still in use' });
  }
  if (isConnectionError(err)) return platformError('SERVICE_UNAVAILABLE', { detail: 'The database is unavailable; retry shortly' });
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return platformError('BAD_REQUEST', { detail: fe.message });
  }
  return platformError('INTERNAL');
}

/** Writes an AppError as `application/problem+json`. */
export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.headers) reply.headers(error.headers);
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send({
      type: TYPE_BASE + error.code.toLowerCase().replaceAll('_', '-'),
      title: error.title,
      status: error.status,
      code: error.code,
      ...(error.detail ? { detail: error.detail } : {}),
      ...(error.fields ? { fields: error.fields } : {}),
    });
}

/**
 * Fastify's `frameworkErrors` option: the router's own rejections (a URL that is not valid
 * percent-encoding, a path parameter over the length limit) would otherwise bypass the error
 * handler and answer in Fastify's JSON shape.
 */
export function frameworkError(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(reply, toAppError(err));
}

/** Installs the one error handler and the 404 handler on the root instance. */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const error = toAppError(err);
    if (error.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: error.code }, 'request rejected');
    return sendProblem(reply, error);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, platformError('ROUTE_NOT_FOUND', { detail: `No route ${request.method} ${request.url.split('?')[0]}` })),
  );
}
