import type { Exchange, NormalizedError, ResolvedOptions } from '../internal-types.js';
import { traceIdsFor, type TraceIds } from '../telemetry/trace.js';
import type { ErrorOrigin, JobInfo, RecoverReport, ReportRequest } from '../types.js';
import { buildReport } from './build.js';
import { CLIENT_CLOSED, isClientGone } from './client-gone.js';
import { normalize } from './normalize.js';
import { loggableHeaders, loggableUrl, requestIdFor } from './request.js';
import { exposes, statusOf } from './status.js';

/** One error, described: its report, what was read of the thrown value, and its trace. */
export interface Described {
  report: RecoverReport;
  normalized: NormalizedError;
  ids: TraceIds;
  /** The client closed its connection: nobody to answer, and not a crash. */
  clientGone: boolean;
}

/** Describes an error that belongs to a request: read safely, given a status, a trace and the request's facts. */
export function describeRequestError(thrown: unknown, exchange: Exchange, origin: ErrorOrigin, options: ResolvedOptions): Described {
  const { request, response } = exchange;
  const normalized = normalize(thrown, options.stackSize);
  const clientGone = isClientGone(normalized.error, request, response);
  // An escaped error is a crash whatever status it carries: its request gets a 500.
  const status = clientGone ? CLIENT_CLOSED : origin === 'handler' ? statusOf(normalized) : 500;
  const ids = traceIdsFor(request.headers);
  // A closed connection is not a bug: its stack says nothing worth the bytes.
  const error = clientGone ? { ...normalized.error, stack: undefined } : normalized.error;
  const report = buildReport(thrown, error, ids, {
    origin,
    status,
    requestId: requestIdFor(exchange.requestId, request.headers),
    request: reportRequest(exchange, options.logHeaders),
    job: undefined,
    headersSent: response.headersSent,
  });
  if (status < 500) report.expose = exposes(thrown, normalized, report, options.expose);
  return { report, normalized, ids, clientGone };
}

/** Describes a process-level crash that no request owns, or a background job's. */
export function describeCrash(thrown: unknown, origin: ErrorOrigin, job: JobInfo | undefined, options: ResolvedOptions): Described {
  const normalized = normalize(thrown, options.stackSize);
  const ids = traceIdsFor({});
  const report = buildReport(thrown, normalized.error, ids, { origin, status: 500, requestId: undefined, request: undefined, job, headersSent: false });
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
