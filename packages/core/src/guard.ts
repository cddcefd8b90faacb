import { randomUUID } from 'node:crypto';
import { runInJob } from './process/context.js';
import { createRecover } from './recover.js';
import type { GuardOptions } from './types.js';
import { callAndWatch } from './util/call-and-watch.js';

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
export function guard<A extends unknown[], R>(name: string, job: (...args: A) => R, options: GuardOptions = {}): (...args: A) => R | undefined {
  if (typeof name !== 'string' || name === '') throw new TypeError('recover: guard needs a job name');
  if (typeof job !== 'function') throw new TypeError(`recover: guard "${name}" needs a function`);
  const core = createRecover({ ...options, process: false });

  return function guarded(this: unknown, ...args: A): R | undefined {
    const info = { name, id: randomUUID() };
    const failed = (thrown: unknown): undefined => {
      core.reportCrash(thrown, 'background', undefined, info);
      return undefined;
    };
    return runInJob(info, () => callAndWatch<R | undefined>(() => job.apply(this, args), failed, failed));
  };
}
