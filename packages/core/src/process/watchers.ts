import type { Claim, ClaimRequest, Recover, RequestContext } from '../internal-types.js';
import { callHook } from '../util/call-hook.js';
import { state, type EscapeHooks, type Watcher } from './state.js';

const kWatcher = Symbol.for('recover.watcher');
const forgotten = new FinalizationRegistry<WeakRef<Watcher>>((ref) => { state.hooks?.watchers.delete(ref); });

/** Adds a recover instance to those watching escaped errors; `claim` tells the requests of its app. */
export function addWatcher(hooks: EscapeHooks, recover: Recover, claim: ClaimRequest | undefined): void {
  const watcher: Watcher = { recover, claim };
  // The instance holds its watcher, so the watcher lives exactly as long as the app that uses it.
  Object.defineProperty(recover, kWatcher, { value: watcher });
  const ref = new WeakRef(watcher);
  hooks.watchers.add(ref);
  forgotten.register(watcher, ref);
}

/** Who answers an escaped error: the instance whose app claims the request, else the first one made. */
export interface Owner {
  recover: Recover;
  claim: Claim | undefined;
  watcher: Watcher;
}

/** The owner of an escaped error from `context` (none: a crash no request owns); undefined when no app is left. */
export function ownerOf(hooks: EscapeHooks, context: RequestContext | undefined): Owner | undefined {
  let first: Watcher | undefined;
  for (const ref of hooks.watchers) {
    const watcher = ref.deref();
    if (!watcher) continue;
    first ??= watcher;
    const { claim } = watcher;
    if (!context || !claim) continue;
    const claimed = callHook('claiming a request', undefined, () => claim(context.request, context.response), undefined);
    if (claimed) return { recover: watcher.recover, claim: claimed, watcher };
  }
  return first && { recover: first.recover, claim: undefined, watcher: first };
}
