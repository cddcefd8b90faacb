import type { ServerResponse } from 'node:http';
import { wasReported } from '../report/reported.js';

/**
 * A `customLogLevel` for pino-http: the access line of a response recover already reported is `info`,
 * so each crash has one error-level line (recover's, with the stack and trace id), not two.
 *
 * @example
 * app.use(pinoHttp({ logger, customLogLevel: accessLogLevel }));
 */
export function accessLogLevel(_request: unknown, response: ServerResponse, error?: unknown): 'info' | 'warn' | 'error' {
  if (wasReported(response)) return 'info';
  if (error !== undefined || response.statusCode >= 500) return 'error';
  return response.statusCode >= 400 ? 'warn' : 'info';
}
