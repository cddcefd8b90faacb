import { STATUS_CODES } from 'node:http';
import type { NormalizedError } from '../internal-types.js';
import type { ExposeFn, RecoverReport } from '../types.js';
import { callHook } from '../util/call-hook.js';
import { libraryDefaults } from './library-errors.js';

/**
 * An error's own status (`status`, `statusCode`, `httpCode`) when it is an HTTP error status (400–599),
 * else the one its library's rule gives (multer's limits), else 500.
 */
export function statusOf(normalized: NormalizedError): number {
  const status = normalized.status;
  if (isErrorStatus(status)) return status;
  const fromLibrary = libraryDefaults(normalized).status;
  return isErrorStatus(fromLibrary) ? fromLibrary : 500;
}

function isErrorStatus(status: number | undefined): status is number {
  return status !== undefined && status >= 400 && status <= 599;
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
