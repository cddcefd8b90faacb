// Express's router Layer, patched once per process, to learn what it keeps from error handlers:
// a falsy synchronous throw, an Express 4 async rejection, and the mount path of the route that matched.
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { ThrownValue, callAndWatch } from '@recover/core/adapter';

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
 * reads as `next()` and the request ends as a 404; Express 4 also drops a rejected promise from an async
 * handler. This makes each router Layer the process has loaded wrap its request handler, once per layer,
 * so a falsy throw reaches the error handlers as a `ThrownValue` and, on Express 4, a rejection is passed
 * to `next(err)` as Express 5 does itself. A router we do not recognise is left untouched.
 */
export function patchRouterLayers(): void {
  for (const prototype of layerPrototypes()) {
    if (prototype[kPatched]) continue;
    // Express 5's router names it handleRequest and handles promises; Express 4's is handle_request.
    const express4 = typeof prototype.handleRequest !== 'function';
    const method = express4 ? 'handle_request' : 'handleRequest';
    const original = prototype[method];
    if (typeof original !== 'function') continue;
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

interface Stacked {
  stack?: unknown;
}
const MAX_DEPTH = 8;

/**
 * Whether `handler` is mounted in `app`, in a router it uses, or in an app that mounts it (a sub-app's
 * `parent`). Read on an escaped error only: Express keeps no link from a request to its error handlers.
 */
export function mounts(app: unknown, handler: unknown): boolean {
  let current = app as { parent?: unknown; _router?: Stacked; router?: Stacked } | undefined;
  for (let depth = 0; current && depth < MAX_DEPTH; depth++) {
    if (inStack(routerOf(current)?.stack, handler, 0)) return true;
    current = current.parent as typeof current;
  }
  return false;
}

/** An app's router: `_router` on Express 4, the `router` getter on Express 5 (on Express 4 that getter throws). */
function routerOf(app: { _router?: Stacked; router?: Stacked }): Stacked | undefined {
  try {
    return app._router ?? app.router;
  } catch {
    return undefined;
  }
}

function inStack(stack: unknown, handler: unknown, depth: number): boolean {
  if (!Array.isArray(stack) || depth > MAX_DEPTH) return false;
  return stack.some((layer: { handle?: Stacked }) => layer.handle === handler || inStack(layer.handle?.stack, handler, depth + 1));
}

// Express 4 ships its router inside (express/lib/router/layer.js); Express 5 uses the `router` package.
const LAYER_PATHS = [join('lib', 'router', 'layer.js'), join('router', 'lib', 'layer.js')].map((path) => sep + path);

/**
 * The Layer prototypes of every Express router loaded in this process (an application can hold more than
 * one copy of express), plus the one the express next to recover resolves to.
 */
function layerPrototypes(): Set<LayerPrototype> {
  const found = new Set<LayerPrototype>();
  const require = createRequire(import.meta.url);
  const add = (Layer: unknown) => {
    const prototype = (Layer as { prototype?: LayerPrototype } | undefined)?.prototype;
    if (prototype) found.add(prototype);
  };
  for (const [path, module] of Object.entries(require.cache)) {
    if (LAYER_PATHS.some((suffix) => path.endsWith(suffix))) add(module?.exports);
  }
  try {
    const fromExpress = createRequire(require.resolve('express'));
    for (const path of ['./lib/router/layer.js', 'router/lib/layer.js']) {
      try {
        add(fromExpress(path));
        break;
      } catch {
        // not this major version of express
      }
    }
  } catch {
    // express not resolvable from here: only the loaded copies are patched
  }
  return found;
}
