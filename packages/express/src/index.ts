import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRecover, readiness, requestLogger, sendErrorResponse, watchEscapedErrors, type RequestDetails } from '@recover/core/adapter';
import type { RecoverOptions } from '@recover/core';
import { mounts, mountPathOf, patchRouterLayers } from './router-layer.js';

/**
 * The parts of Express's request recover reads. An intersection, not `extends`: pino-http's types augment
 * `IncomingMessage` with `id` and `log`, which an interface could not redeclare as `unknown`.
 */
type ExpressRequest = IncomingMessage & {
  originalUrl?: string;
  baseUrl?: string;
  route?: { path?: unknown };
  /** Set by pino-http. */
  id?: unknown;
  log?: unknown;
  /** The Express application serving the request (set by Express at the start of each app's handling). */
  app?: unknown;
};

/** An Express error-handling middleware (four parameters). */
export type RecoverErrorHandler = (err: unknown, req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Express error handler that reports every error once and answers with a safe problem+json (or text, or
 * HTML) body. Mount it after the routes. Options are validated here; a bad one throws a `TypeError`.
 *
 * @example
 * app.use(recover());
 */
export function recover(options?: RecoverOptions): RecoverErrorHandler {
  const core = createRecover(options);
  patchRouterLayers();
  const handler = function recoverExpress(err: unknown, req: ExpressRequest, res: ServerResponse, _next: (err?: unknown) => void): void {
    const answer = core.handle(err, { ...detailsOf(req), request: req, response: res });
    if (!answer) return;
    try {
      sendErrorResponse(res, answer);
    } catch {
      res.destroy();
    }
  };
  // An escaped error is this instance's when its request went through an app that mounts this handler.
  watchEscapedErrors(core, (req) => (mounts((req as ExpressRequest).app, handler) ? { details: detailsOf(req) } : undefined));
  return handler;
}

/**
 * A readiness probe: 200 `{"status":"ready"}` while serving, 503 `{"status":"draining"}` once recover
 * drains the process for a restart, so the load balancer stops sending it traffic.
 *
 * @example
 * app.get('/ready', ready());
 */
export function ready(): (req: IncomingMessage, res: ServerResponse) => void {
  return function recoverReady(_req: IncomingMessage, res: ServerResponse): void {
    const { status, body } = readiness();
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'no-store');
    res.end(body);
  };
}

/** What Express and pino-http put on the request: the URL as sent, the route, the request id and logger. */
function detailsOf(req: ExpressRequest): RequestDetails {
  return { url: req.originalUrl, route: routeOf(req), requestId: req.id, logger: requestLogger(req.log) };
}

function routeOf(req: ExpressRequest): string | undefined {
  const path = req.route?.path;
  return typeof path === 'string' ? `${mountPathOf(req) ?? req.baseUrl ?? ''}${path}` : undefined;
}

export { accessLogLevel, bindToRequest } from '@recover/core';
export type { RecoverOptions, RecoverReport, Logger } from '@recover/core';
