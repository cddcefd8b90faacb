import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isClientGone } from './client.js';
import { currentJob, currentRequest, enableRequestContext } from './context.js';
import { drainAndExit } from './drain.js';
import { defaultLogger, writeStderr } from './log.js';
import { normalize } from './normalize.js';
import { scheduleSnapshot } from './snapshot.js';
import type { Exchange, Recover } from './recover.js';
import type { ErrorOrigin } from './report.js';
import { sendErrorResponse } from './send.js';

/** What an adapter can read from a bare request for an error that escaped it (route, id, logger). */
export type DescribeRequest = (request: IncomingMessage, response: ServerResponse) => Omit<Exchange, 'request' | 'response'>;

interface Guard {
  recover: Recover;
  describe: DescribeRequest | undefined;
  /** Times of recent escaped crashes, newest last, at most `budget + 1` of them. */
  crashes: number[];
  /** Whether the other process-level listeners have been looked for (at the first escape). */
  checkedOthers: boolean;
}

let guard: Guard | undefined;

/**
 * Catches errors that escape a request (a throw in a timer, an emitter listener, a rejected promise nobody
 * awaits), once per process: the request that started the work gets a 500 with `Connection: close`, the
 * error is reported like a handled one with its `origin`, and the process goes on (`'keep-serving'`).
 * The first recover instance with a process policy owns the hooks; `process: false` installs nothing.
 */
export function watchEscapedErrors(recover: Recover, describe?: DescribeRequest): void {
  if (recover.options.process === false) return;
  enableRequestContext();
  if (guard) return;
  guard = { recover, describe, crashes: [], checkedOthers: false };
  // A listener on `uncaughtException` is what stops Node from exiting: keep-serving means exactly that.
  process.on('uncaughtException', onUncaughtException);
  process.on('unhandledRejection', onUnhandledRejection);
}

function onUncaughtException(error: unknown, origin: string): void {
  // With --unhandled-rejections=strict, a rejection arrives here with that origin.
  escaped(error, origin === 'unhandledRejection' ? 'unhandledRejection' : 'uncaughtException');
}

function onUnhandledRejection(reason: unknown): void {
  escaped(reason, 'unhandledRejection');
}

/**
 * Whether this crash takes the process down: always under `'restart'`; under `'keep-serving'` once more
 * than `budget` escapes fall within `window`, because repeated escapes mean state nobody can trust.
 */
function goingDown(current: Guard): boolean {
  const { process: policy, budget, window } = current.recover.options;
  if (policy === 'restart') return true;
  const now = Date.now();
  const crashes = current.crashes;
  crashes.push(now);
  while (crashes.length > 0 && (crashes[0] as number) <= now - window) crashes.shift();
  if (crashes.length > budget + 1) crashes.shift();
  return crashes.length > budget;
}

function escaped(thrown: unknown, origin: ErrorOrigin): void {
  try {
    if (!guard) return;
    const { recover, describe } = guard;
    // A job started from a request is background work: its escapes belong to the job, not the request.
    const job = currentJob();
    const owner = job ? undefined : currentRequest();
    // A client that closed its connection is not a crash: no budget spent, no diagnostic report.
    const gone = owner !== undefined && clientLeft(thrown, owner.request, owner.response);
    const fatal = !gone && goingDown(guard);
    const level = fatal ? 'fatal' : undefined;
    let requestLogger: Exchange['logger'];
    if (!owner) {
      recover.reportCrash(thrown, origin, level, job);
    } else {
      requestLogger = answer(recover, describe, owner.request, owner.response, thrown, origin, level);
    }
    const logger = recover.options.logger ?? requestLogger ?? defaultLogger();
    if (!guard.checkedOthers) {
      guard.checkedOthers = true;
      noteOtherListeners(logger);
    }
    if (recover.options.report && !gone) scheduleSnapshot(recover.options.report, thrown, logger);
    if (fatal) drainAndExit({ drainTimeout: recover.options.drainTimeout, logger, exitCode: 1 });
  } catch (failure) {
    // Throwing from an uncaughtException listener would end the process: the one thing not to do here.
    writeStderr('error', { origin }, 'recover: handling an escaped error failed', failure);
  }
}

/**
 * Other `uncaughtException`/`unhandledRejection` listeners (Sentry, an APM, close-with-grace) run too, and
 * one of them may end the process whatever recover's policy says. Said once, so the logs explain an exit.
 */
function noteOtherListeners(logger: NonNullable<Exchange['logger']>): void {
  const uncaught = process.listeners('uncaughtException').filter((listener) => listener !== onUncaughtException).length;
  const unhandled = process.listeners('unhandledRejection').filter((listener) => listener !== onUnhandledRejection).length;
  if (uncaught + unhandled === 0) return;
  try {
    logger.warn(
      { otherListeners: { uncaughtException: uncaught, unhandledRejection: unhandled } },
      'recover: other process-level error listeners are installed; any of them may end the process',
    );
  } catch {
    // the note is not worth a fallback line
  }
}

function clientLeft(thrown: unknown, request: IncomingMessage, response: ServerResponse): boolean {
  return isClientGone(normalize(thrown, 0).error, request, response);
}

/** Answers the request that owns an escaped error; returns that request's logger. */
function answer(
  recover: Recover,
  describe: DescribeRequest | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  thrown: unknown,
  origin: ErrorOrigin,
  level: 'fatal' | undefined,
): Exchange['logger'] {
  let details: Omit<Exchange, 'request' | 'response'> = {};
  try {
    if (describe) details = describe(request, response);
  } catch {
    // the report is still worth more than the route
  }
  const reply = recover.handle(thrown, { ...details, request, response }, origin, level);
  if (reply) sendErrorResponse(response, reply);
  return details.logger;
}

/**
 * Binds a callback to the current request, for listeners on emitters that shared code fires (a connection
 * pool, a queue client) and so run outside the request's async context. If the callback throws, or returns
 * a promise that rejects, the error is answered and reported on the request that registered it, as an
 * escaped error, instead of ending up as a process crash no request owns. With `process: false` the
 * error propagates as it would without the helper.
 *
 * @example
 * pool.once('error', bindToRequest((err) => { throw err; }));
 */
export function bindToRequest<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R | undefined {
  return AsyncResource.bind(function boundToRequest(this: unknown, ...args: A): R | undefined {
    let result: R;
    try {
      result = fn.apply(this, args);
    } catch (thrown) {
      // Reported here, inside the request's scope: once the throw leaves this function, the context is gone.
      if (!guard) throw thrown;
      escaped(thrown, 'uncaughtException');
      return undefined;
    }
    if (guard && isPromiseLike(result)) {
      result.then(undefined, (reason: unknown) => {
        escaped(reason, 'unhandledRejection');
      });
    }
    return result;
  });
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
