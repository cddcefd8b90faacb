import { state } from './state.js';

/**
 * Remembers a running `onError` promise until it settles, so that a restart waits for it: the crash that
 * triggers the restart is the one an error tracker most needs, and its event is still being built and sent
 * when the drain begins. `promise` never rejects (util/call-hook.ts made it so).
 */
export function trackPendingHook(promise: Promise<unknown>): void {
  const pending = state.pendingHooks;
  pending.add(promise);
  void promise.finally(() => pending.delete(promise));
}

/** Resolves once every `onError` promise running now has settled. Never rejects. */
export function pendingHooksSettled(): Promise<void> {
  return Promise.all(state.pendingHooks).then(() => undefined);
}
