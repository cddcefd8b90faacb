import type { ServerResponse } from 'node:http';
import type { ErrorResponse } from '../internal-types.js';

/**
 * Writes an error response on a bare Node response, replacing any headers the failed handler had set
 * (as Express's finalhandler and Koa do), so none of them leaks into the error answer. Headers are set
 * one by one, not passed to `writeHead`, so access loggers still see them through `getHeaders()`.
 */
export function sendErrorResponse(response: ServerResponse, answer: ErrorResponse): void {
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  response.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  response.end(answer.body);
}
