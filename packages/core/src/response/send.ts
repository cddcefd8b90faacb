import type { ServerResponse } from 'node:http';
import type { ErrorResponse } from '../internal-types.js';
import { droppedOnError } from './headers.js';

/** Removes the headers the failed handler set that described its representation (see `droppedOnError`). */
export function dropRepresentationHeaders(response: ServerResponse): void {
  for (const name of response.getHeaderNames()) if (droppedOnError(name)) response.removeHeader(name);
}

/**
 * Writes an error response on a bare Node response. Headers the application set for the response as a
 * whole (CORS, security headers, cookies) are kept; those of the failed representation are dropped.
 * Headers are set one by one, not passed to `writeHead`, so access loggers still see them through
 * `getHeaders()`.
 */
export function sendErrorResponse(response: ServerResponse, answer: ErrorResponse): void {
  dropRepresentationHeaders(response);
  response.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  response.end(answer.body);
}
