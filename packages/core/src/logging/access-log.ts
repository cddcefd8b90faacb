import type { ServerResponse } from 'node:http';
import { wasReported } from '../report/reported.js';
import type { RecoverReport } from '../types.js';

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

/**
 * Tells access loggers which error a 5xx answered: pino-http (and morgan-style loggers after it) read
 * `res.err`, and without it pino-http's line says `failed with status code 500`. What they get is rebuilt
 * from the report, not the thrown value: their serializers copy every enumerable property (a parser's
 * `body`, a getter, a Proxy trap), which recover never lets through. The type shows as the thrown one's.
 */
export function setAccessLogError(response: ServerResponse, report: RecoverReport): void {
  if (report.status < 500) return;
  const { type, message, stack, code } = report.error;
  const error = new Error(message);
  // pino's err serializer names the type after `constructor.name`: a function of the thrown value's type name.
  const named = { [type]: function () {} }[type];
  Object.defineProperties(error, {
    name: { value: type, configurable: true, writable: true },
    constructor: { value: named, configurable: true, writable: true },
    stack: { value: stack ?? `${type}: ${message}`, configurable: true, writable: true },
  });
  if (code !== undefined) Object.assign(error, { code });
  (response as ServerResponse & { err?: Error }).err = error;
}
