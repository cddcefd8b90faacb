import { AsyncResource } from 'node:async_hooks';
import type { ReadRequestDetails, Recover, RequestContext, RequestDetails } from '../internal-types.js';
import { loggerFor } from '../logging/request-logger.js';
import { writeStderr } from '../logging/write.js';
import { isClientGone } from '../report/client-gone.js';
import { normalize } from '../report/normalize.js';
import { sendErrorResponse } from '../response/send.js';
import type { ErrorOrigin, Logger } from '../types.js';
import { callAndWatch } from '../util/call-and-watch.js';
import { callHook } from '../util/call-hook.js';
import { goingDown } from './budget.js';
import { currentJob, currentRequest, enableRequestContext } from './context.js';
import { scheduleDiagnosticReport } from './diagnostic-report.js';
import { drainAndExit } from './drain.js';
import { state, type EscapeHooks } from './state.js';

/**
 * Catches errors that escape a request (a throw in a timer, an emitter listener, a rejected promise nobody
 * awaits), once per process: the request that started the work gets a 500 with `Connection: close`, the
 * error is reported like a handled one with its `origin`, and the process goes on (`'keep-serving'`).
 * The first recover instance with a process policy owns the hooks; `process: false` installs nothing.
 */
export function watchEscapedErrors(recover: Recover, detailsOf?: ReadRequestDetails): void {
  if (recover.options.process === false) return;
  enableRequestContext();
  if (state.hooks) return;
  state.hooks = { recover, detailsOf, listeners: [onUncaughtException, onUnhandledRejection], checkedOthers: false };
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

/** One escaped error: answer its request (or report it as the process's), then apply the policy. */
function escaped(thrown: unknown, origin: ErrorOrigin): void {
  try {
    const hooks = state.hooks;
    if (!hooks) return;
    const { recover } = hooks;
    // A job started from a request is background work: its escapes belong to the job, not the request.
    const job = currentJob();
    const owner = job ? undefined : currentRequest();
    // A client that closed its connection is not a crash: no budget spent, no diagnostic report.
    const gone = owner !== undefined && clientLeft(thrown, owner);
    const fatal = !gone && goingDown(recover.options);
    const level = fatal ? 'fatal' : undefined;
    let requestLogger: Logger | undefined;
    if (owner) requestLogger = answer(hooks, owner, thrown, origin, level);
    else recover.reportCrash(thrown, origin, level, job);
    const logger = loggerFor(recover.options.logger, requestLogger);
    noteOtherListeners(hooks, logger);
    if (recover.options.report && !gone) scheduleDiagnosticReport(recover.options.report, thrown, logger);
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
function noteOtherListeners(hooks: EscapeHooks, logger: Logger): void {
  if (hooks.checkedOthers) return;
  hooks.checkedOthers = true;
  const others = (listeners: readonly unknown[]) => listeners.filter((listener) => !hooks.listeners.includes(listener as never)).length;
  const uncaught = others(process.listeners('uncaughtException'));
  const unhandled = others(process.listeners('unhandledRejection'));
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

function clientLeft(thrown: unknown, { request, response }: RequestContext): boolean {
  return isClientGone(normalize(thrown, 0).error, request, response);
}

/** Answers the request that owns an escaped error; returns that request's logger. */
function answer(hooks: EscapeHooks, owner: RequestContext, thrown: unknown, origin: ErrorOrigin, level: 'fatal' | undefined): Logger | undefined {
  const { request, response } = owner;
  const { detailsOf } = hooks;
  // The report is still worth more than the route.
  const details: RequestDetails = detailsOf ? callHook('reading request details', undefined, () => detailsOf(request, response), {}) : {};
  const reply = hooks.recover.handle(thrown, { ...details, request, response }, origin, level);
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
    if (!state.hooks) return fn.apply(this, args);
    // Reported here, inside the request's scope: once the throw leaves this function, the context is gone.
    return callAndWatch<R | undefined>(
      () => fn.apply(this, args),
      (thrown) => {
        escaped(thrown, 'uncaughtException');
        return undefined;
      },
      (reason) => { escaped(reason, 'unhandledRejection'); },
    );
  });
}
