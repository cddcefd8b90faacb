// Express's router Layer, patched once per process, to learn what it keeps from error handlers:
// a falsy synchronous throw, an Express 4 async rejection, and the mount path of the route that matched;
// and to hold back the requests of a quarantined route before its handlers run.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ThrownValue, callAndWatch, isQuarantining, quarantined, sendErrorResponse } from '@recover/core/adapter';
import { layerPrototypes, type LayerPrototype } from './layers.js';

type Handler = (req: unknown, res: unknown, next: unknown) => unknown;
interface Layer {
  handle: Handler;
  /** Set on the layer of a route (`app.get(path, …)`), whose handle dispatches to the route's own layers. */
  route?: { path?: unknown };
  [kGuarded]?: true;
}
type Patchable = LayerPrototype & { [kPatched]?: true };

const kPatched = Symbol.for('recover.express.falsyThrow');
const kGuarded = Symbol.for('recover.express.guarded');
const kMountRoute = Symbol.for('recover.express.mountRoute');
const kMountPath = Symbol.for('recover.express.mountPath');

/** The request as the router's Layer sees it: the route it matched, and the mount path at that moment. */
interface RoutedRequest {
  route?: unknown;
  baseUrl?: unknown;
  [kMountRoute]?: unknown;
  [kMountPath]?: string;
}

/**
 * The mount path (`baseUrl`) the request had when its current route matched. A mounted router restores
 * `req.baseUrl` to the parent's before the error reaches an app-level handler, so it is kept here.
 */
export function mountPathOf(req: object): string | undefined {
  const routed = req as RoutedRequest;
  return routed[kMountRoute] !== undefined && routed[kMountRoute] === routed.route ? routed[kMountPath] : undefined;
}

/**
 * Express's router forwards a synchronous `throw` to `next(err)`, so `throw null` (or any falsy value)
 * reads as `next()` and the request ends as a 404; Express 4 also drops a rejected promise from an async
 * handler. This makes each router Layer wrap its request handler, once per layer, so a falsy throw reaches
 * the error handlers as a `ThrownValue` and, on Express 4, a rejection is passed to `next(err)` as Express
 * 5 does itself. `app`, when given, is where to find the Layer too (see layers.ts); a router we do not
 * recognise is left untouched. Returns how many Layer classes were found, patched now or before.
 */
export function patchRouterLayers(app?: unknown): number {
  const prototypes = layerPrototypes(app);
  for (const prototype of prototypes) patchLayer(prototype);
  return prototypes.size;
}

function patchLayer(prototype: Patchable): void {
  if (prototype[kPatched]) return;
  // Express 5's router names it handleRequest and handles promises; Express 4's is handle_request.
  const express4 = typeof prototype.handleRequest !== 'function';
  const method = express4 ? 'handle_request' : 'handleRequest';
  const original = prototype[method];
  if (typeof original !== 'function') return;
  prototype[method] = function handleRequest(this: Layer, req: unknown, res: unknown, next: unknown) {
    rememberMountPath(req);
    if (this[kGuarded] !== true) {
      this[kGuarded] = true;
      if (typeof this.handle === 'function' && this.handle.length <= 3) this.handle = wrapHandler(this.handle, express4);
    }
    // One size read per layer while no route is quarantined.
    if (isQuarantining() && this.route !== undefined && heldBack(this.route, req, res)) return undefined;
    return original.call(this, req, res, next);
  };
  prototype[kPatched] = true;
}

/**
 * Answers a request of a quarantined route (503, `Retry-After`) instead of dispatching it to the route's
 * handlers. The route is named as recover reports it on an escaped error: the mount path, then the path.
 */
function heldBack(route: { path?: unknown }, req: unknown, res: unknown): boolean {
  const { path } = route;
  if (typeof path !== 'string') return false;
  const { baseUrl } = req as RoutedRequest;
  const answer = quarantined(req as IncomingMessage, res as ServerResponse, `${typeof baseUrl === 'string' ? baseUrl : ''}${path}`);
  if (!answer) return false;
  try {
    sendErrorResponse(res as ServerResponse, answer);
  } catch {
    (res as ServerResponse).destroy();
  }
  return true;
}

// Two property writes, only for routes inside mounted routers: nothing is allocated per request.
function rememberMountPath(req: unknown): void {
  const routed = req as RoutedRequest;
  if (routed.route !== undefined && typeof routed.baseUrl === 'string' && routed.baseUrl !== '') {
    routed[kMountRoute] = routed.route;
    routed[kMountPath] = routed.baseUrl;
  }
}

/** The route handler as the patched Layer calls it: a falsy throw made visible, and on Express 4 rejections forwarded. */
function wrapHandler(handler: Handler, forwardRejections: boolean): Handler {
  const rethrow = (thrown: unknown): never => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrowing what the handler threw, as is
    throw thrown || new ThrownValue(thrown);
  };
  // Three parameters, like the handler the router checked: error handlers (four) are never wrapped.
  const wrapped = function (req: unknown, res: unknown, next: unknown): unknown {
    const forward = forwardRejections && typeof next === 'function'
      ? (reason: unknown) => { (next as (error: unknown) => void)(reason || new ThrownValue(reason)); }
      : undefined;
    return callAndWatch(() => handler(req, res, next), rethrow, forward);
  };
  Object.defineProperty(wrapped, 'name', { value: handler.name });
  return wrapped;
}
