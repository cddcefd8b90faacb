// Express's router Layer, patched once per process, to learn what it keeps from error handlers:
// a falsy synchronous throw, and the mount path of the route that matched.
import { createRequire } from 'node:module';
import { ThrownValue } from '@recover/core';

type Handler = (req: unknown, res: unknown, next: unknown) => unknown;
interface LayerPrototype {
  handleRequest?: (this: Layer, req: unknown, res: unknown, next: unknown) => unknown;
  handle_request?: (this: Layer, req: unknown, res: unknown, next: unknown) => unknown;
  [kPatched]?: true;
}
interface Layer {
  handle: Handler;
  [kGuarded]?: true;
}

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
 * reads as `next()` and the request ends as a 404. This makes the router's Layer wrap each request
 * handler, once, so a falsy throw reaches the error handlers as a `ThrownValue`. Done once per process,
 * on the express the application resolves; a router we do not recognise is left untouched.
 */
export function reportFalsyThrows(): void {
  const prototype = layerPrototype();
  if (!prototype || prototype[kPatched]) return;
  const method = typeof prototype.handleRequest === 'function' ? 'handleRequest' : 'handle_request';
  const original = prototype[method];
  if (typeof original !== 'function') return;
  prototype[method] = function handleRequest(this: Layer, req: unknown, res: unknown, next: unknown) {
    rememberMountPath(req);
    if (this[kGuarded] !== true) {
      this[kGuarded] = true;
      if (typeof this.handle === 'function' && this.handle.length <= 3) this.handle = guard(this.handle);
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

function guard(handler: Handler): Handler {
  // Three parameters, like the handler the router checked: error handlers (four) are never wrapped.
  const guarded = function (req: unknown, res: unknown, next: unknown): unknown {
    try {
      return handler(req, res, next);
    } catch (thrown) {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrowing what the handler threw, as is
      throw thrown || new ThrownValue(thrown);
    }
  };
  Object.defineProperty(guarded, 'name', { value: handler.name });
  return guarded;
}

function layerPrototype(): LayerPrototype | undefined {
  try {
    const require = createRequire(import.meta.url);
    const fromExpress = createRequire(require.resolve('express'));
    // Express 4 ships its router inside; Express 5 depends on the `router` package.
    for (const path of ['./lib/router/layer.js', 'router/lib/layer.js']) {
      try {
        const Layer = fromExpress(path) as { prototype?: LayerPrototype };
        if (Layer.prototype) return Layer.prototype;
      } catch {
        // not this major version of express
      }
    }
  } catch {
    // express not resolvable from here: nothing to patch
  }
  return undefined;
}
