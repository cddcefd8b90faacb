import type { ErrorResponse, Exchange, Recover, ResolvedOptions, Verdict } from './internal-types.js';
import { setAccessLogError } from './logging/access-log.js';
import { defaultLevel, isLogLevel } from './logging/levels.js';
import { LogStormLimiter } from './logging/log-limit.js';
import { loggerFor } from './logging/request-logger.js';
import { writeReport } from './logging/write.js';
import { resolveOptions } from './options.js';
import { drainAndExit } from './process/drain.js';
import { trackPendingHook } from './process/pending-hooks.js';
import { describeCrash, describeRequestError, type Described } from './report/describe.js';
import { markReported } from './report/reported.js';
import { abortResponse, isAbort } from './response/abort.js';
import { errorResponse } from './response/answer.js';
import { lastResort } from './response/last-resort.js';
import { recordTelemetry } from './telemetry/record.js';
import type { ErrorOrigin, JobInfo, LogLevel, Logger, RecoverOptions, RecoverReport } from './types.js';
import { callHook } from './util/call-hook.js';

/** A recover instance's resolved options and its own log-storm limiter. */
interface Core {
  options: ResolvedOptions;
  limiter: LogStormLimiter | undefined;
}

/**
 * Creates the framework-agnostic error handler. Options are validated here, once; a bad option throws a
 * `TypeError` naming it. `ignore` lists option keys a framework adds itself (Fastify's `prefix`).
 */
export function createRecover(options?: RecoverOptions, ignore?: readonly string[]): Recover {
  const resolved = resolveOptions(options, ignore);
  const core: Core = { options: resolved, limiter: resolved.logLimit === false ? undefined : new LogStormLimiter(resolved.logLimit) };
  return {
    options: resolved,
    handle: (thrown, exchange, origin = 'handler', verdict = corrupted(resolved)) => handle(core, thrown, exchange, origin, verdict),
    reportCrash: (thrown, origin, verdict = corrupted(resolved), job) => reportCrash(core, thrown, origin, verdict, job),
  };
}

/**
 * An error of a request: describe it, judge what it does to the process, publish it once, answer it, and
 * restart the process when the verdict says so. Never throws.
 */
function handle(core: Core, thrown: unknown, exchange: Exchange, origin: ErrorOrigin, verdict: Verdict): ErrorResponse | undefined {
  let described: Described | undefined;
  try {
    // The reset recover itself gave an HTTP/2 stream, passed back by the framework: already reported.
    if (isAbort(thrown)) return undefined;
    described = describeRequestError(thrown, exchange, origin, core.options);
    const { clientGone } = described;
    const restart = verdict(described.report);
    // Two layers may see one error (a framework's handler, then its onerror): it is published once.
    if (markReported(exchange.response, thrown, clientGone)) {
      publish(core, described, exchange.logger, restart ? 'fatal' : clientGone ? 'info' : undefined);
      if (!clientGone) setAccessLogError(exchange.response, described.report);
    }
    const reply = answer(core, described, exchange, restart);
    if (restart) restartProcess(core.options, exchange.logger);
    return reply;
  } catch (failure) {
    return lastResort(described?.report, thrown, failure);
  }
}

/** A process-level crash that no request owns, or a background job's failure: describe, judge and publish it. */
function reportCrash(core: Core, thrown: unknown, origin: ErrorOrigin, verdict: Verdict, job: JobInfo | undefined): RecoverReport | undefined {
  let described: Described | undefined;
  try {
    described = describeCrash(thrown, origin, job, core.options);
    const restart = verdict(described.report);
    publish(core, described, undefined, restart ? 'fatal' : undefined);
    if (restart) restartProcess(core.options, undefined);
    return described.report;
  } catch (failure) {
    lastResort(described?.report, thrown, failure);
    return undefined;
  }
}

/** The verdict on an error that did not escape: only corruption restarts, and only with a process policy. */
function corrupted(options: ResolvedOptions): Verdict {
  return (report) => report.errorClass === 'corruption' && options.process !== false;
}

/** Drains and exits for the supervisor to start a fresh process (once; later calls do nothing). */
function restartProcess(options: ResolvedOptions, requestLogger: Logger | undefined): void {
  drainAndExit({ drainTimeout: options.drainTimeout, logger: loggerFor(options.logger, requestLogger), exitCode: 1 });
}

/** The log line (unless the log-storm limiter holds it back), the span and counter, then `onError`. */
function publish(core: Core, { report, ids }: Described, requestLogger: Logger | undefined, override: LogLevel | undefined): void {
  const { options, limiter } = core;
  const logger = loggerFor(options.logger, requestLogger);
  const fallback = defaultLevel(report.status, report.errorClass);
  const level = override ?? callHook('level', report, () => options.level(report.status, report.errorClass), fallback, isLogLevel);
  // The crash that makes the process restart (fatal) is always written in full.
  if (!limiter || override === 'fatal' || limiter.admit(report, logger)) writeReport(logger, level, report);
  callHook('recording telemetry', report, () => { recordTelemetry(report, ids.span); }, undefined);
  const { onError } = options;
  // A returned promise is watched, not awaited: a slow tracker must not hold the answer back. A restart
  // waits for it (within drainTimeout), so the crash that ends the process still reaches the tracker.
  if (onError) {
    const result = callHook('onError', report, () => onError(report), undefined);
    if (result) trackPendingHook(result);
  }
}

/** The response to send, or none: too late for a body, or nobody left to read it. */
function answer(core: Core, { report, normalized, ids, clientGone }: Described, { request, response }: Exchange, restart: boolean): ErrorResponse | undefined {
  if (report.headersSent || clientGone) {
    // A broken response beats a hang or a 200 that lies.
    abortResponse(response);
    return undefined;
  }
  return errorResponse(report, normalized, ids, request, core.options, restart);
}
