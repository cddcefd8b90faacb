import { STATUS_CODES } from 'node:http';
import type { NormalizedError } from './normalize.js';

/** An error's own `status`/`statusCode` when it is an HTTP error status (400–599), else 500. */
export function statusOf(normalized: NormalizedError): number {
  const status = normalized.status;
  return status !== undefined && status >= 400 && status <= 599 ? status : 500;
}

/** The http-errors convention: a 4xx message is shown only when the error says `expose: true`. */
export function defaultExpose(normalized: NormalizedError, status: number): boolean {
  return status < 500 && normalized.expose === true;
}

/** The reason phrase for a status, used as the problem `title`. */
export function statusText(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}
