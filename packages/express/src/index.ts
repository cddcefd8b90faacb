import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRecover, requestLogger, sendErrorResponse, type RecoverOptions } from '@recover/core';
import { mountPathOf, reportFalsyThrows } from './router-layer.js';

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
  reportFalsyThrows();
  return function recoverExpress(err: unknown, req: ExpressRequest, res: ServerResponse, _next: (err?: unknown) => void): void {
    const answer = core.handle(err, {
      request: req,
      response: res,
      url: req.originalUrl,
      route: routeOf(req),
      requestId: req.id,
      logger: requestLogger(req.log),
    });
    if (!answer) return;
    try {
      sendErrorResponse(res, answer);
    } catch {
      res.destroy();
    }
  };
}

function routeOf(req: ExpressRequest): string | undefined {
  const path = req.route?.path;
  return typeof path === 'string' ? `${mountPathOf(req) ?? req.baseUrl ?? ''}${path}` : undefined;
}

export { accessLogLevel } from '@recover/core';
export type { RecoverOptions, RecoverReport, Logger } from '@recover/core';
