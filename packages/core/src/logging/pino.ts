import type { Logger } from '../types.js';

// What recover reads of a pino logger it was handed, whichever copy and version of pino made it. pino
// keeps its state under symbols: `Symbol.for('pino.serializers')` is global; the stream and the bindings
// are plain `Symbol('pino.stream')` and `Symbol('pino.chindings')` of each pino copy, so they are found by
// description. A child logger inherits them through its prototype (pino's `child` is `Object.create`),
// so lookups go up the chain and are cached on the logger that owns them: the per-request children
// Fastify and pino-http make are one prototype hop from a cached parent.

const SERIALIZERS = Symbol.for('pino.serializers');
const MAX_DEPTH = 32;

/** The symbols seen so far, by description, so that a new logger of a known pino copy needs no scan. */
const known = new Map<string, symbol[]>();
/** Per description: the objects of a logger chain found to own that symbol, and the value they own. */
const owned = new Map<string, WeakMap<object, unknown>>();

function ownSymbol(holder: object, description: string): symbol | undefined {
  for (const symbol of known.get(description) ?? []) if (Object.hasOwn(holder, symbol)) return symbol;
  const symbol = Object.getOwnPropertySymbols(holder).find((candidate) => candidate.description === description);
  if (symbol) known.set(description, [...(known.get(description) ?? []), symbol]);
  return symbol;
}

/** The value the nearest object in `logger`'s prototype chain owns under a symbol with this description. */
function inherited(logger: object, description: string): unknown {
  let cache = owned.get(description);
  if (!cache) {
    cache = new WeakMap();
    owned.set(description, cache);
  }
  try {
    let holder: object | null = logger;
    for (let depth = 0; holder !== null && depth < MAX_DEPTH; depth++) {
      if (cache.has(holder)) return cache.get(holder);
      const symbol = ownSymbol(holder, description);
      const value: unknown = symbol === undefined ? undefined : (holder as Record<symbol, unknown>)[symbol];
      // Only owners are cached: a per-request child owns nothing and is one hop from its parent.
      if (value !== undefined) {
        cache.set(holder, value);
        return value;
      }
      holder = Object.getPrototypeOf(holder) as object | null;
    }
  } catch {
    // A Proxy or an exotic logger: nothing pino-like to read.
  }
  return undefined;
}

/** The destination stream a pino logger writes to, when it is an event emitter. */
export function pinoStream(logger: Logger): object | undefined {
  const stream = inherited(logger, 'pino.stream');
  return typeof stream === 'object' && stream !== null && typeof (stream as { on?: unknown }).on === 'function' ? stream : undefined;
}

/** The bindings of a pino logger as pino writes them (`,"key":value,...`), or undefined. */
export function pinoBindings(logger: Logger): string | undefined {
  const chindings = inherited(logger, 'pino.chindings');
  return typeof chindings === 'string' ? chindings : undefined;
}

const withKept = new WeakMap<object, object>();
const childCopies = new WeakSet();

/** True for a logger `withSerializers` made by copying a child's own properties (a snapshot of them). */
export function isChildCopy(logger: Logger): boolean {
  return childCopies.has(logger);
}

/**
 * The logger with `serializers` taking precedence over its own, for a pino logger, as pino's `child`
 * would make it minus recomputing the bindings; the merged table is built once per original table.
 * Undefined for a logger that is not pino.
 *
 * A per-request child (Fastify's `request.log`, pino-http's `req.log`) is not used as a prototype:
 * making an object a prototype makes V8 rebuild its map, per error. Its own properties (its bindings,
 * level, formatters) are copied instead onto an object whose prototype is the child's parent, which is
 * a prototype already, so every such copy shares one shape.
 */
export function withSerializers(logger: Logger, serializers: Record<string, (value: never) => unknown>): Logger | undefined {
  try {
    const table: unknown = (logger as unknown as Record<symbol, unknown>)[SERIALIZERS];
    if (typeof table !== 'object' || table === null) return undefined;
    let merged = withKept.get(table);
    if (!merged) {
      merged = Object.assign(Object.create(null) as object, table, serializers);
      for (const symbol of Object.getOwnPropertySymbols(table)) (merged as Record<symbol, unknown>)[symbol] = (table as Record<symbol, unknown>)[symbol];
      withKept.set(table, merged);
    }
    const parent = Object.getPrototypeOf(logger) as object | null;
    const isChild = parent !== null && typeof (parent as Record<symbol, unknown>)[SERIALIZERS] === 'object';
    const raw = Object.create(isChild ? parent : logger) as Record<PropertyKey, unknown>;
    if (isChild) {
      for (const key of Reflect.ownKeys(logger)) raw[key] = (logger as unknown as Record<PropertyKey, unknown>)[key];
      childCopies.add(raw);
    }
    raw[SERIALIZERS] = merged;
    return raw as unknown as Logger;
  } catch {
    return undefined;
  }
}
