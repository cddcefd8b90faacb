/** True for a thenable: what a handler, a hook or a job returns when it is async. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Calls `call` and watches both ways it can fail. A synchronous throw goes to `onThrow`, whose result (or
 * throw) becomes this call's. With `onReject`, a returned promise that rejects goes to it, and the promise
 * returned in its place resolves with `undefined` instead of rejecting; without, a promise is returned
 * untouched (the caller's framework awaits it).
 */
export function callAndWatch<R>(call: () => R, onThrow: (thrown: unknown) => R, onReject?: (reason: unknown) => void): R {
  let result: R;
  try {
    result = call();
  } catch (thrown) {
    return onThrow(thrown);
  }
  if (onReject === undefined || !isPromiseLike(result)) return result;
  return Promise.resolve(result).then(
    (value) => value,
    (reason: unknown) => {
      onReject(reason);
      return undefined;
    },
  ) as R;
}
