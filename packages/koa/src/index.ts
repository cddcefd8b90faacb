import type { IncomingMessage, ServerResponse } from 'node:http';
import { types } from 'node:util';
import {
  createRecover, dropRepresentationHeaders, enterHttp2Request, isAbort, isQuarantining, quarantined, readiness, requestLogger, sendErrorResponse, watchEscapedErrors,
  type ErrorResponse, type Exchange, type Recover, type RequestDetails, type RequestMatcher,
} from '@recover/core/adapter';
import type { RecoverOptions } from '@recover/core';
import { watchReplacedBodies } from './body-streams.js';

/** The parts of Koa's application recover uses: its `error` event, and the prototype of every ctx. */
interface KoaApplication {
  // Typed loosely enough that Koa's own types fit (`const m: Koa.Middleware = recover()`): its
  // `listeners` returns `Function[]`, its `ctx.onerror(err: Error)` is a method, hence bivariant, and its
  // response prototype shares no property with KoaResponsePrototype (all optional), so it is an object here.
  listeners(event: 'error'): unknown[];
  emit(event: 'error', error: unknown, context: unknown): boolean;
  onerror?: unknown;
  context: { onerror(this: KoaContext, error: unknown): void; [kAdopted]?: true };
  response: object;
}

const kAdopted = Symbol.for('recover.koa.onerror');

/** The raw request; pino-http (and koa-pino-logger, built on it) sets `id` and `log` on it. */
type RawRequest = IncomingMessage & { id?: unknown; log?: unknown };

/** The parts of Koa's context recover reads and writes. */
interface KoaContext {
  req: RawRequest;
  res: ServerResponse;
  app: KoaApplication;
  originalUrl: string;
  method: string;
  status: number;
  body: unknown;
  respond?: boolean;
  state?: unknown;
  set(headers: Record<string, string>): void;
  /** Set by @koa/router: the matched route's path, and the layers whose path matched. */
  _matchedRoute?: unknown;
  matched?: unknown;
}

/** A layer of @koa/router, as far as recover reads it. */
interface RouterLayer {
  path?: unknown;
  match?: unknown;
}

/** The parts of Koa's context the readiness probe writes. */
type ReadyContext = Pick<KoaContext, 'status' | 'body' | 'set'>;

/** A Koa middleware. */
export type RecoverMiddleware = (ctx: KoaContext, next: () => Promise<unknown>) => Promise<void>;

/**
 * Koa middleware that reports every error from the middleware below it once and answers with a safe
 * problem+json (or text, or HTML) body. Use it first, so it wraps the whole stack. The app's `error`
 * event still fires for your own listeners; Koa's default stderr printer is left quiet, since recover
 * has logged the error. Options are validated here; a bad one throws a `TypeError`.
 *
 * @example
 * app.use(recover());
 */
export function recover(options?: RecoverOptions): RecoverMiddleware {
  const core = createRecover(options);
  // Each request this instance serves links its bare request to its ctx, under a key of this instance's
  // own: an error that escapes the request finds the route, the ids and the app's recover through it.
  const kContext = Symbol('recover.koa.context');
  watchEscapedErrors(core, (req) => {
    const ctx = (req as Linked)[kContext];
    return ctx ? { details: detailsOf(ctx), recognise: () => matcherOf(ctx) } : undefined;
  });
  // With quarantine off, no route of this app is ever held back: not even the size read.
  const checksQuarantine = core.options.quarantine !== false;
  return async function recoverKoa(ctx: KoaContext, next: () => Promise<unknown>): Promise<void> {
    if (ctx.app.context[kAdopted] !== true) adoptKoaErrors(ctx.app, core);
    (ctx.req as Linked)[kContext] = ctx;
    // An HTTP/2 server that was listening before recover was set up has not been adopted yet.
    enterHttp2Request(ctx.req, ctx.res);
    // A quarantined route's request is answered before the router runs: one size read while none is.
    const held = checksQuarantine && isQuarantining() ? quarantined(ctx.req, ctx.res) : undefined;
    if (held) {
      answerWith(ctx, held);
      return;
    }
    try {
      await next();
    } catch (thrown) {
      const answer = core.handle(thrown, exchangeOf(ctx));
      notifyListeners(ctx, thrown);
      if (!answer) {
        // Headers were sent and recover destroyed the response: Koa has nothing left to write.
        ctx.respond = false;
        return;
      }
      answerWith(ctx, answer);
    }
  };
}

/**
 * Headers of the failed representation go; CORS, security headers and cookies stay (Koa's own ctx.onerror
 * drops them all, and a browser then cannot read the error). Answered through Koa's setters, so middleware
 * before recover (compression, sessions, response time) still runs on it.
 */
function answerWith(ctx: KoaContext, answer: ErrorResponse): void {
  dropRepresentationHeaders(ctx.res);
  ctx.respond = true;
  ctx.status = answer.status;
  ctx.set(answer.headers);
  ctx.body = answer.body;
}

/**
 * How to know the requests of the route `ctx` matched before @koa/router runs (it runs after recover): its
 * layer, among those @koa/router matched, tests their path, and the method must be this one's.
 */
function matcherOf(ctx: KoaContext): RequestMatcher | undefined {
  const { _matchedRoute: route, matched, method } = ctx;
  if (typeof route !== 'string' || !Array.isArray(matched)) return undefined;
  const layer = (matched as RouterLayer[]).find((candidate) => candidate.path === route && typeof candidate.match === 'function');
  if (!layer) return undefined;
  const match = layer.match as (path: string) => unknown;
  return (request) => request.method === method && match.call(layer, (request.url ?? '/').split('?', 1)[0] ?? '/') === true;
}

/** A bare request linked to the Koa context that serves it. */
type Linked = IncomingMessage & Record<symbol, KoaContext | undefined>;

/** What Koa, @koa/router and pino-http know of the request: the URL as sent, the route, the id and logger. */
function detailsOf(ctx: KoaContext): RequestDetails {
  return {
    url: ctx.originalUrl,
    route: typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : undefined,
    requestId: ctx.req.id,
    logger: requestLogger(ctx.req.log),
  };
}

function exchangeOf(ctx: KoaContext): Exchange {
  return { ...detailsOf(ctx), request: ctx.req, response: ctx.res };
}

/**
 * Some errors never pass through middleware: a `ctx.body` stream that fails, or a response destroyed
 * with an error (a failed `pipeline` into `ctx.res`). Koa sends those to `ctx.onerror`, whose default
 * printer would dump them on stderr. Once per app, `ctx.onerror` is routed through recover instead: the
 * error is reported (once per response, whichever path sees it first), answered if nothing was sent yet,
 * and the app's own `error` listeners are still told.
 */
function adoptKoaErrors(app: KoaApplication, core: Recover): void {
  const context = app.context;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- always called as original.call(this, …)
  const original = context.onerror;
  context.onerror = function recoverOnerror(this: KoaContext, error: unknown): void {
    if (error === null || error === undefined) {
      original.call(this, error); // Koa's own no-op for "no error"
      return;
    }
    // The reset recover gave an HTTP/2 stream after its headers, coming back: not the app's error.
    if (isAbort(error)) return;
    const answer = core.handle(error, exchangeOf(this));
    notifyListeners(this, error);
    if (!answer) return;
    try {
      sendErrorResponse(this.res, answer);
    } catch {
      this.res.destroy();
    }
  };
  context[kAdopted] = true;
  watchReplacedBodies(app.response);
}

// The error last announced per response: each error reaches the app's listeners once, whichever path saw it.
const announced = new WeakMap<ServerResponse, unknown>();

/**
 * Emits Koa's `error` event for the application's own listeners, as Koa does for every error, but only
 * when there is one besides Koa's default printer: recover's log line replaces that printer's output.
 */
function notifyListeners(ctx: KoaContext, thrown: unknown): void {
  if (announced.has(ctx.res) && Object.is(announced.get(ctx.res), thrown)) return;
  announced.set(ctx.res, thrown);
  try {
    const app = ctx.app;
    if (!app.listeners('error').some((listener) => listener !== app.onerror)) return;
    // isNativeError, not instanceof: no Proxy trap of the thrown value runs.
    app.emit('error', types.isNativeError(thrown) ? thrown : new Error(`non-error thrown: ${preview(thrown)}`), ctx);
  } catch {
    // A listener that throws must not turn a handled error into an unhandled one.
  }
}

/** A short view of a non-error thrown value, for the `Error` Koa's listeners get. */
function preview(thrown: unknown): string {
  return thrown === null ? 'null' : typeof thrown === 'string' ? JSON.stringify(thrown.slice(0, 200)) : typeof thrown;
}

/**
 * A readiness probe middleware: 200 `{"status":"ready"}` while serving, 503 `{"status":"draining"}` once
 * recover drains the process for a restart.
 *
 * @example
 * router.get('/ready', ready());
 */
export function ready(): (ctx: ReadyContext) => void {
  return function recoverReady(ctx: ReadyContext): void {
    const { status, body } = readiness();
    ctx.status = status;
    ctx.set({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    ctx.body = body;
  };
}

// What this package's README tells users to import: they depend on this package, not on @recover/core.
export { accessLogLevel, bindToRequest, classifyError, guard } from '@recover/core';
export type { ErrorClass, GuardOptions, Logger, RecoverOptions, RecoverReport } from '@recover/core';
