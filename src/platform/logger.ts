import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.passwordHash',
  '*.token',
  '*.tokenHash',
];

/** Query parameters whose values never reach a log line. */
const SECRET_QUERY = /([?&](?:token|access_token|key|secret|password)=)[^&#]*/gi;

/** The request as logged: method, path and query with secrets masked, host, client address. */
export function serializeRequest(req: { method?: string; url?: string; host?: string; ip?: string }) {
  return { method: req.method, url: req.url?.replace(SECRET_QUERY, '$1[redacted]'), host: req.host, remoteAddress: req.ip };
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.log.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
