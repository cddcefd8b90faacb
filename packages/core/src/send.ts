import type { ServerResponse } from 'node:http';
import type { ErrorResponse } from './recover.js';

/**
 * Writes an error response on a bare Node response, replacing any headers the failed handler had set
 * (as Express's finalhandler and Koa do), so none of them leaks into the error answer. The headers go
 * through `writeHead` in one call rather than a `setHeader` each: it is the error path, but a flood of
 * errors is exactly when it runs most.
 */
export function sendErrorResponse(response: ServerResponse, answer: ErrorResponse): void {
  for (const name of response.getHeaderNames()) response.removeHeader(name);
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}
