import type { Exchange, NormalizedError, ResolvedOptions } from '../internal-types.js';
import { traceIdsFor, type TraceIds } from '../telemetry/trace.js';
import type { ErrorOrigin, JobInfo, RecoverReport, ReportRequest } from '../types.js';
import { buildReport } from './build.js';
import { classOf } from './classify.js';
import { CLIENT_CLOSED, isClientGone } from './client-gone.js';
import { noTraits, normalize } from './normalize.js';
import { loggableHeaders, loggableUrl, requestIdFor } from './request.js';
import { exposes, statusByClass, statusOf } from './status.js';

/** One error, described: its report, what was read of the thrown value, and its trace. */
export interface Described {
  report: RecoverReport;
  normalized: NormalizedError;
  ids: TraceIds;
  /** The client closed its connection: nobody to answer, and not a crash. */
  clientGone: boolean;
}

/**
 * Describes an error that belongs to a request: read safely, classified, given a status, a trace and the
 * request's facts. A client that left is a 499 whatever its class: nobody is there to answer.
 */
export function describeRequestError(thrown: unknown, exchange: Exchange, origin: ErrorOrigin, options: ResolvedOptions): Described {
  const { request, response } = exchange;
  const normalized = normalize(thrown, options.stackSize);
  const clientGone = isClientGone(normalized.error, request, response);
  const ids = traceIdsFor(request.headers);
  // A closed connection is not a bug: its stack says nothing worth the bytes.
  const error = clientGone ? { ...normalized.error, stack: undefined } : normalized.error;
  const report = buildReport(thrown, error, ids, {
    origin,
    // An escaped error is a crash whatever status it carries; `classify` sees the status before its class.
    status: clientGone ? CLIENT_CLOSED : origin === 'handler' ? statusOf(normalized) : 500,
    // A peer that hung up is the very picture of a transient failure, and not ours to classify further;
    // any other error is classified below.
    errorClass: clientGone ? 'transient' : 'bug',
    requestId: requestIdFor(exchange.requestId, request.headers),
    request: reportRequest(exchange, options.logHeaders),
    job: undefined,
    headersSent: response.headersSent,
  });
  if (!clientGone) classify(report, thrown, normalized, options);
  return { report, normalized, ids, clientGone };
}

/** Describes a process-level crash that no request owns, or a background job's. */
export function describeCrash(thrown: unknown, origin: ErrorOrigin, job: JobInfo | undefined, options: ResolvedOptions): Described {
  const normalized = normalize(thrown, options.stackSize);
  const ids = traceIdsFor({});
  const report = buildReport(thrown, normalized.error, ids, { origin, status: 500, errorClass: 'bug', requestId: undefined, request: undefined, job, headersSent: false });
  classify(report, thrown, normalized, options);
  return { report, normalized, ids, clientGone: false };
}

/** The report's class, and the status and `expose` that follow from it. */
function classify(report: RecoverReport, thrown: unknown, normalized: NormalizedError, options: ResolvedOptions): void {
  report.errorClass = classOf(thrown, normalized, report, options.classify);
  report.status = statusByClass(normalized, report.origin, report.errorClass);
  if (report.status < 500) report.expose = exposes(thrown, normalized, report, options.expose);
}

/**
 * The report a quarantined route's answer is rendered from (option `render` sees it): no error was thrown,
 * the handler did not run. A 503 with `Retry-After`, the seconds left of the quarantine.
 */
export function describeQuarantined(exchange: Exchange, retryAfter: number, options: ResolvedOptions): Described {
  const { request } = exchange;
  const ids = traceIdsFor(request.headers);
  const error = { type: 'RouteQuarantined', message: 'route quarantined after repeated escaped errors' };
  const report = buildReport(undefined, error, ids, {
    origin: 'quarantine',
    status: 503,
    errorClass: 'transient',
    requestId: requestIdFor(exchange.requestId, request.headers),
    request: reportRequest(exchange, options.logHeaders),
    job: undefined,
    headersSent: false,
  });
  const normalized = { error, traits: noTraits(error.type), status: 503, expose: false, headers: { 'retry-after': String(retryAfter) } };
  return { report, normalized, ids, clientGone: false };
}

function reportRequest(exchange: Exchange, logHeaders: readonly string[]): ReportRequest {
  const { request } = exchange;
  return {
    method: request.method ?? 'GET',
    url: loggableUrl(exchange.url ?? request.url ?? '/'),
    route: exchange.route,
    headers: loggableHeaders(request.headers, logHeaders),
  };
}
