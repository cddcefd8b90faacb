// Express's router Layer, patched once per process, to learn what it keeps from error handlers:
// a falsy synchronous throw, an Express 4 async rejection, and the mount path of the route that matched.
import { ThrownValue, callAndWatch } from '@recover/core/adapter';
import { layerPrototypes, type LayerPrototype } from './layers.js';

type Handler = (req: unknown, res: unknown, next: unknown) => unknown;
interface Layer {
  handle: Handler;
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
    return original.call(this, req, res, next);
  };
  prototype[kPatched] = true;
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
