import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRecover, readiness, requestLogger, sendErrorResponse, watchEscapedErrors, watchNewServers, type RequestDetails, type StoppableServer } from '@recover/core/adapter';
import type { RecoverOptions } from '@recover/core';
import { mountPathOf, patchRouterLayers } from './router-layer.js';
import { mounts } from './stacks.js';

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
  // Express's router Layer: in the module cache, and (a bundle inlines express and has no module cache) in
  // the apps each server runs, at its first request.
  const patched = patchRouterLayers() > 0;
  watchNewServers((server) => { patchFromServer(server, patched); });
  const handler = function recoverExpress(err: unknown, req: ExpressRequest, res: ServerResponse, _next: (err?: unknown) => void): void {
    // Last chance, for an app a wrapper calls (the server's listener is not the app): from now on.
    const { app } = req;
    if (typeof app === 'function' && !seenApps.has(app)) {
      seenApps.add(app);
      patchRouterLayers(app);
    }
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

/**
 * Patches the Layer of the Express apps `server` runs (its `request` listeners). When none is an Express
 * app, says once what is lost until recover's handler sees an error of the app.
 */
function patchFromServer(server: StoppableServer, patchedBefore: boolean): void {
  const listeners = (server as unknown as { listeners?: (event: string) => unknown[] }).listeners?.('request') ?? [];
  let found = 0;
  for (const listener of listeners) found += patchRouterLayers(listener);
  if (found === 0 && !patchedBefore && !warned) {
    warned = true;
    process.emitWarning(
      "recover: Express's router was not found (bundled, and the server's request listener is not the app itself). Until an error reaches recover's handler, `throw null` answers 404 and, on Express 4, a rejected async handler escapes its request. Pass the app to the server: http.createServer(app).",
      { code: 'RECOVER_EXPRESS_ROUTER' },
    );
  }
}

let warned = false;
/** The apps whose Layer has been looked for from recover's handler. */
const seenApps = new WeakSet();

/** What Express and pino-http put on the request: the URL as sent, the route, the request id and logger. */
function detailsOf(req: ExpressRequest): RequestDetails {
  return { url: req.originalUrl, route: routeOf(req), requestId: req.id, logger: requestLogger(req.log) };
}

function routeOf(req: ExpressRequest): string | undefined {
  const path = req.route?.path;
  return typeof path === 'string' ? `${mountPathOf(req) ?? req.baseUrl ?? ''}${path}` : undefined;
}

// What this package's README tells users to import: they depend on this package, not on @recover/core.
export { accessLogLevel, bindToRequest, classifyError, guard } from '@recover/core';
export type { ErrorClass, GuardOptions, Logger, RecoverOptions, RecoverReport } from '@recover/core';
