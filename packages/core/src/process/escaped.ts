import { AsyncResource } from 'node:async_hooks';
import type { ClaimRequest, Recover, RequestContext, Verdict } from '../internal-types.js';
import { loggerFor } from '../logging/request-logger.js';
import { writeStderr } from '../logging/write.js';
import { CLIENT_CLOSED } from '../report/client-gone.js';
import { normalize } from '../report/normalize.js';
import { sendErrorResponse } from '../response/send.js';
import type { ErrorOrigin, Logger, RecoverReport } from '../types.js';
import { callAndWatch } from '../util/call-and-watch.js';
import { goingDown } from './budget.js';
import { currentJob, currentRequest, enableRequestContext } from './context.js';
import { scheduleDiagnosticReport } from './diagnostic-report.js';
import { countRouteEscape } from './quarantine.js';
import { state, type EscapeHooks } from './state.js';
import { addWatcher, ownerOf, type Owner } from './watchers.js';

/**
 * Catches errors that escape a request (a throw in a timer, an emitter listener, a rejected promise nobody
 * awaits): the request that started the work gets a 500 with `Connection: close`, the error is reported
 * like a handled one with its `origin`, and the process goes on (`'keep-serving'`). The hooks are installed
 * once per process; each instance registered here answers the requests its adapter `claim`s, and the
 * first one reports the crashes no request owns. `process: false` registers nothing.
 */
export function watchEscapedErrors(recover: Recover, claim?: ClaimRequest): void {
  if (recover.options.process === false) return;
  enableRequestContext();
  let hooks = state.hooks;
  if (!hooks) {
    hooks = { watchers: new Set(), listeners: [onUncaughtException, onUnhandledRejection], checkedOthers: false };
    state.hooks = hooks;
    // A listener on `uncaughtException` is what stops Node from exiting: keep-serving means exactly that.
    process.on('uncaughtException', onUncaughtException);
    process.on('unhandledRejection', onUnhandledRejection);
  }
  addWatcher(hooks, recover, claim);
}

function onUncaughtException(error: unknown, origin: string): void {
  // With --unhandled-rejections=strict, a rejection arrives here with that origin.
  escaped(error, origin === 'unhandledRejection' ? 'unhandledRejection' : 'uncaughtException');
}

function onUnhandledRejection(reason: unknown): void {
  escaped(reason, 'unhandledRejection');
}

/** One escaped error: answer its request (or report it as the process's), as the policy says. */
function escaped(thrown: unknown, origin: ErrorOrigin): void {
  try {
    const hooks = state.hooks;
    if (!hooks) return;
    // A job started from a request is background work: its escapes belong to the job, not the request.
    const job = currentJob();
    const context = job ? undefined : currentRequest();
    const owner = ownerOf(hooks, context);
    if (!owner) {
      writeStderr('error', { err: normalize(thrown, 4096).error, origin }, 'recover: an error escaped after every app was gone', undefined);
      return;
    }
    const { recover } = owner;
    let reported: RecoverReport | undefined;
    const verdict = (report: RecoverReport): boolean => {
      reported = report;
      return restarts(report, owner, context);
    };
    if (context) answer(owner, context, thrown, origin, verdict);
    else recover.reportCrash(thrown, origin, verdict, job);
    const logger = loggerFor(recover.options.logger, owner.claim?.details.logger);
    noteOtherListeners(hooks, logger);
    // A client that closed its connection is not a crash: no diagnostic report.
    if (recover.options.report && reported !== undefined && reported.status !== CLIENT_CLOSED) scheduleDiagnosticReport(recover.options.report, thrown, logger);
  } catch (failure) {
    // Throwing from an uncaughtException listener would end the process: the one thing not to do here.
    writeStderr('error', { origin }, 'recover: handling an escaped error failed', failure);
  }
}

/**
 * What an escaped error does to the process (the pipeline then drains and exits when it restarts it). A
 * client that left, or a transient failure, spends nothing: a flapping database must not restart the
 * fleet. Corruption restarts at once, and so does every other error under `'restart'`. An error of a route
 * the adapter can quarantine counts against that route (process/quarantine.ts), and any other one spends
 * the crash budget: once it is gone, repeated escapes mean state nobody can trust.
 */
function restarts(report: RecoverReport, owner: Owner, context: RequestContext | undefined): boolean {
  if (report.status === CLIENT_CLOSED || report.errorClass === 'transient') return false;
  const { options } = owner.recover;
  if (report.errorClass === 'corruption' || options.process === 'restart') return true;
  if (context && countRouteEscape(owner.watcher, owner.claim, report, context.response)) return false;
  return goingDown(options);
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

/** Answers the request an escaped error belongs to, through its owner. */
function answer(owner: Owner, { request, response }: RequestContext, thrown: unknown, origin: ErrorOrigin, verdict: Verdict): void {
  const { recover, claim } = owner;
  const reply = recover.handle(thrown, { ...claim?.details, request, response }, origin, verdict);
  if (!reply) return;
  if (claim?.send) claim.send(reply);
  else sendErrorResponse(response, reply);
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
