import type { TraceIds } from '../telemetry/trace.js';
import type { ErrorClass, ErrorOrigin, JobInfo, RecoverReport, ReportRequest, SerializedError } from '../types.js';

/** What is known of one error besides the error itself and its trace. */
export interface ReportFacts {
  origin: ErrorOrigin;
  status: number;
  errorClass: ErrorClass;
  requestId: string | undefined;
  request: ReportRequest | undefined;
  job: JobInfo | undefined;
  headersSent: boolean;
}

/** The one builder of a `RecoverReport`, for requests and for process-level crashes alike. */
export function buildReport(thrown: unknown, error: SerializedError, ids: TraceIds, facts: ReportFacts): RecoverReport {
  return {
    time: isoNow(),
    origin: facts.origin,
    status: facts.status,
    expose: false,
    errorClass: facts.errorClass,
    error,
    traceId: ids.traceId,
    spanId: ids.spanId,
    requestId: facts.requestId,
    request: facts.request,
    job: facts.job,
    headersSent: facts.headersSent,
    thrown,
  };
}

let lastMillis = Number.NaN;
let lastIso = '';

/** The current time as ISO 8601, formatted once per millisecond: an error flood shares one string. */
function isoNow(): string {
  const now = Date.now();
  if (now !== lastMillis) {
    lastMillis = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}
