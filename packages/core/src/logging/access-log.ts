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
  // An object of the type's prototype rather than `new Error()`: nothing to capture, the stack is known.
  const error = Object.create(prototypeOf(type)) as Error & { code?: string };
  error.message = message;
  error.stack = stack ?? `${type}: ${message}`;
  if (code !== undefined) error.code = code;
  (response as ServerResponse & { err?: Error }).err = error;
}

// pino's err serializer names the type after `constructor.name`: one Error prototype per type name, with a
// constructor of that name. Bounded: a flood of distinct names cannot grow it without end.
const prototypes = new Map<string, Error>();
const MAX_PROTOTYPES = 256;

function prototypeOf(type: string): Error {
  let prototype = prototypes.get(type);
  if (!prototype) {
    if (prototypes.size >= MAX_PROTOTYPES) prototypes.clear();
    const named = { [type]: function () {} }[type];
    prototype = Object.create(Error.prototype, {
      name: { value: type, configurable: true, writable: true },
      constructor: { value: named, configurable: true, writable: true },
    }) as Error;
    prototypes.set(type, prototype);
  }
  return prototype;
}
