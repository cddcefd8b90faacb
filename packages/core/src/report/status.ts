import { STATUS_CODES } from 'node:http';
import type { NormalizedError } from '../internal-types.js';
import type { ErrorClass, ErrorOrigin, ExposeFn, RecoverReport } from '../types.js';
import { callHook } from '../util/call-hook.js';
import { libraryDefaults } from './library-errors.js';

/**
 * An error's own status (`status`, `statusCode`, `httpCode`) when it is an HTTP error status (400–599),
 * else the one its library's rule gives (multer's limits), else 500.
 */
export function statusOf(normalized: NormalizedError): number {
  return ownStatus(normalized) ?? 500;
}

/** The status the error or its library gives, when it is an HTTP error status; else undefined. */
function ownStatus(normalized: NormalizedError): number | undefined {
  const status = normalized.status;
  if (isErrorStatus(status)) return status;
  const fromLibrary = libraryDefaults(normalized).status;
  return isErrorStatus(fromLibrary) ? fromLibrary : undefined;
}

function isErrorStatus(status: number | undefined): status is number {
  return status !== undefined && status >= 400 && status <= 599;
}

/**
 * The status once the class is known. A request's error keeps its own 4xx/5xx status; without one, or
 * when it escaped its request (whatever status it carried: it is a crash), a transient error is a 503
 * (retry later) and anything else a 500. Corruption is a 500 whatever it says: the process is restarting.
 */
export function statusByClass(normalized: NormalizedError, origin: ErrorOrigin, errorClass: ErrorClass): number {
  if (errorClass === 'corruption') return 500;
  const own = ownStatus(normalized);
  if (origin === 'handler' && own !== undefined) return own;
  return errorClass === 'transient' ? 503 : 500;
}

/**
 * Whether a 4xx error's message may be shown: option `expose` decides, else the http-errors convention
 * (the error says `expose: true`), else its library's rule (Fastify's own 4xx). Never asked for 5xx; an
 * `expose` that throws hides the message.
 */
export function exposes(thrown: unknown, normalized: NormalizedError, report: RecoverReport, expose: ExposeFn | undefined): boolean {
  if (report.status >= 500) return false;
  if (!expose) return normalized.expose ?? libraryDefaults(normalized).expose;
  return callHook('expose', report, () => expose(thrown, report.status), false);
}

/** The reason phrase for a status, used as the problem `title`. */
export function statusText(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}
