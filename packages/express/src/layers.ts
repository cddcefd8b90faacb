// Where Express's router Layer class is found: in the module cache and next to the express this package
// resolves (an ordinary install), or, when a bundler has inlined express and left no module cache, from
// the layers of an app itself (`Object.getPrototypeOf(layer)` is Layer.prototype).
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { nodeRequire } from '@recover/core/adapter';
import { someLayer, type LayerLike } from './stacks.js';

/** What recover patches of a Layer: its request method, named per major version of express. */
export interface LayerPrototype {
  handleRequest?: (req: unknown, res: unknown, next: unknown) => unknown;
  handle_request?: (req: unknown, res: unknown, next: unknown) => unknown;
}

// Express 4 ships its router inside (express/lib/router/layer.js); Express 5 uses the `router` package.
const LAYER_PATHS = [join('lib', 'router', 'layer.js'), join('router', 'lib', 'layer.js')].map((path) => sep + path);

/**
 * The Layer prototypes of every Express router loaded in this process (an application can hold more than
 * one copy of express), the one the express next to recover resolves to, and those `app` uses.
 */
export function layerPrototypes(app?: unknown): Set<LayerPrototype> {
  const found = new Set<LayerPrototype>();
  const require = nodeRequire();
  if (require) fromModules(require, found);
  if (app !== undefined) {
    someLayer(app, (layer) => {
      const prototype = Object.getPrototypeOf(layer) as LayerPrototype | null;
      if (prototype && isLayerPrototype(prototype)) found.add(prototype);
      return false;
    });
  }
  return found;
}

function fromModules(require: NodeJS.Require, found: Set<LayerPrototype>): void {
  const add = (Layer: unknown) => {
    const prototype = (Layer as { prototype?: LayerPrototype } | undefined)?.prototype;
    if (prototype) found.add(prototype);
  };
  // A bundle's require has no cache entry for the modules it inlined.
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
}

function isLayerPrototype(prototype: LayerPrototype & LayerLike): boolean {
  return typeof prototype.handleRequest === 'function' || typeof prototype.handle_request === 'function';
}
