// Walking what an Express app mounts: its router's layers, the routers and sub-apps they hold, the
// layers of each route. Express keeps no link from a request to its error handlers, so this is how
// recover finds them (and, in a bundle, the router's Layer class).

/** An object with a layer stack: an app's router, a Router, a Route. */
export interface Stacked {
  stack?: unknown;
}

/** A layer as Express 4 and the `router` package of Express 5 make it. */
export interface LayerLike {
  handle?: unknown;
  route?: Stacked;
}

const MAX_DEPTH = 8;

/** An app's router: `_router` on Express 4, the `router` getter on Express 5 (on Express 4 that getter throws). */
export function routerOf(app: unknown): Stacked | undefined {
  if (typeof app !== 'function' && (typeof app !== 'object' || app === null)) return undefined;
  try {
    const holder = app as { _router?: Stacked; router?: Stacked };
    return holder._router ?? holder.router; // read in this order: the second would throw on Express 4
  } catch {
    return undefined;
  }
}

/** Calls `visit` with every layer `app` mounts, depth first, until it returns true; returns whether it did. */
export function someLayer(app: unknown, visit: (layer: LayerLike) => boolean): boolean {
  return inStack(routerOf(app)?.stack, visit, 0);
}

function inStack(stack: unknown, visit: (layer: LayerLike) => boolean, depth: number): boolean {
  if (!Array.isArray(stack) || depth > MAX_DEPTH) return false;
  return (stack as LayerLike[]).some((layer) => {
    if (visit(layer)) return true;
    // A Router (its own stack), a sub-app (its router's), a route (its layers).
    const inner = (layer.handle as Stacked | undefined)?.stack ?? routerOf(layer.handle)?.stack ?? layer.route?.stack;
    return inStack(inner, visit, depth + 1);
  });
}

/**
 * Whether `handler` is mounted in `app`, in a router it uses, or in an app that mounts it (a sub-app's
 * `parent`). Read on an escaped error only.
 */
export function mounts(app: unknown, handler: unknown): boolean {
  let current = app as { parent?: unknown } | undefined;
  for (let depth = 0; current && depth < MAX_DEPTH; depth++) {
    if (someLayer(current, (layer) => layer.handle === handler)) return true;
    current = current.parent as typeof current;
  }
  return false;
}
