import { randomUUID } from 'node:crypto';
import { runInJob } from './context.js';
import type { RecoverOptions } from './options.js';
import { isPromiseLike } from './process.js';
import { createRecover } from './recover.js';

/** Options of `guard`: where its reports go. */
export type GuardOptions = Pick<RecoverOptions, 'logger' | 'stackSize' | 'onError'>;

/**
 * The Go "safe worker": wraps a background job (a timer callback, a queue consumer, a cron task) so that
 * each run has its own async context and id, and an error it throws or rejects with is reported once with
 * origin `background`, the job's name and the run's id, counted, and never escapes. A failed run returns
 * `undefined`; the next run goes on. Errors thrown later from timers the job started are attributed to it.
 *
 * @example
 * const sweep = guard('sessions.sweep', async () => { await store.deleteExpired(); });
 * setInterval(() => void sweep(), 60_000);
 *
 * const handle = guard('orders.consume', async (message: Order) => { await fulfil(message); });
 * for await (const message of consumer) await handle(message); // one bad message does not end the loop
 */
export function guard<A extends unknown[], R>(name: string, job: (...args: A) => Promise<R>, options?: GuardOptions): (...args: A) => Promise<R | undefined>;
export function guard<A extends unknown[], R>(name: string, job: (...args: A) => R, options?: GuardOptions): (...args: A) => R | undefined;
export function guard<A extends unknown[], R>(name: string, job: (...args: A) => R, options: GuardOptions = {}): (...args: A) => R | Promise<R | undefined> | undefined {
  if (typeof name !== 'string' || name === '') throw new TypeError('recover: guard needs a job name');
  if (typeof job !== 'function') throw new TypeError(`recover: guard "${name}" needs a function`);
  const core = createRecover({ ...options, process: false });

  return function guarded(this: unknown, ...args: A): R | Promise<R | undefined> | undefined {
    const info = { name, id: randomUUID() };
    return runInJob(info, () => {
      let result: R;
      try {
        result = job.apply(this, args);
      } catch (thrown) {
        core.reportCrash(thrown, 'background', undefined, info);
        return undefined;
      }
      if (!isPromiseLike(result)) return result;
      return Promise.resolve(result).then(
        (value) => value as R,
        (reason: unknown) => {
          core.reportCrash(reason, 'background', undefined, info);
          return undefined;
        },
      );
    });
  };
}
