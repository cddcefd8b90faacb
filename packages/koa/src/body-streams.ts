// A body stream that middleware replaced with another stream (koa-compress pipes it into zlib, a transform
// wraps it): Koa 3 silences the original's errors when it is replaced, so a database cursor that dies
// mid-body reached recover only as the replacement's "Premature close", logged as a client that left.
import { isStream } from '@recover/core/adapter';

const kWatched = Symbol.for('recover.koa.replacedBodies');

/** Koa's response prototype of one app: where the `body` accessor is found. */
export interface KoaResponsePrototype {
  [kWatched]?: true;
}

/** What a response's `body` setter runs with: the response, and its context's `onerror`. */
interface KoaResponse {
  _body?: unknown;
  ctx: { onerror(error: unknown): void };
}

/**
 * Once per app: when a stream body is replaced by another stream, the original's error goes to
 * `ctx.onerror` (recover's, see index.ts), so the real error is reported once, at error, with its trace;
 * the replacement's "Premature close" that follows is its aftermath and is not reported again. Koa 2
 * already does this itself: the same error object arrives twice and is reported once.
 */
export function watchReplacedBodies(response: KoaResponsePrototype): void {
  if (response[kWatched]) return;
  const found = bodyAccessor(response);
  // eslint-disable-next-line @typescript-eslint/unbound-method -- Koa's own accessor, called with the response as `this`
  const { get, set } = found ?? {};
  if (typeof get !== 'function' || typeof set !== 'function') return; // not the Koa we know: left as it is
  Object.defineProperty(response, 'body', {
    configurable: true,
    enumerable: found?.enumerable ?? false,
    get,
    set(this: KoaResponse, value: unknown) {
      const original = this._body;
      set.call(this, value);
      if (original !== value && isStream(original) && isStream(value)) {
        original.once('error', (error: unknown) => { this.ctx.onerror(error); });
      }
    },
  });
  response[kWatched] = true;
}

/** The `body` accessor, found on the app's response object or its prototype chain. */
function bodyAccessor(response: object): PropertyDescriptor | undefined {
  for (let target: object | null = response; target !== null; target = Object.getPrototypeOf(target) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(target, 'body');
    if (descriptor) return descriptor;
  }
  return undefined;
}
