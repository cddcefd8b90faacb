import { logMessage, logRecord, writeStderr } from '../logging/write.js';
import type { RecoverReport } from '../types.js';
import { callAndWatch } from './call-and-watch.js';

/**
 * Calls a user hook (`expose`, `level`, `render`, `onError`, an adapter's request details) so that its
 * failure never becomes recover's: a throw, a rejected promise, or a result `usable` refuses is said on
 * stderr, naming the hook and the error it was called for, and `fallback` is used instead. A promise
 * comes back as one that never rejects.
 */
export function callHook<R>(name: string, report: RecoverReport | undefined, call: () => R, fallback: R, usable?: (result: R) => boolean): R {
  const result = callAndWatch(
    call,
    (failure) => {
      hookFailed(name, 'threw', report, failure);
      return fallback;
    },
    (failure) => { hookFailed(name, 'rejected', report, failure); },
  );
  if (usable === undefined || usable(result)) return result;
  hookFailed(name, 'returned an unusable value', report, undefined);
  return fallback;
}

function hookFailed(name: string, how: string, report: RecoverReport | undefined, failure: unknown): void {
  const message = `recover: ${name} ${how}${report ? ` for ${logMessage(report)}` : ''}`;
  writeStderr('error', report ? logRecord(report) : {}, message, failure);
}
