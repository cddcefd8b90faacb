import type { IncomingMessage } from 'node:http';
import type { ErrorResponse, NormalizedError, ResolvedOptions } from '../internal-types.js';
import type { TraceIds } from '../telemetry/trace.js';
import type { RecoverReport, RenderedBody } from '../types.js';
import { callHook } from '../util/call-hook.js';
import { errorHeaders, isSafeHeaderValue, jitteredRetryAfter } from './headers.js';
import { negotiate } from './negotiate.js';
import { renderBody } from './render.js';

/**
 * The error response for a report: the body in the media type the client accepts (option `render`, else
 * the safe default), and its headers. A transient error's 503 says when to retry (option `retryAfter`,
 * jittered) unless the error set `Retry-After` itself. An error that escaped its request, or one that
 * restarts the process, closes an HTTP/1.x connection: the client should not reuse it.
 */
export function errorResponse(report: RecoverReport, normalized: NormalizedError, ids: TraceIds, request: IncomingMessage, options: ResolvedOptions, restart = false): ErrorResponse {
  const kind = negotiate(request.headers.accept);
  const { render } = options;
  const rendered = render ? callHook('render', report, () => render(report, kind), renderBody(report, kind), isRenderedBody) : renderBody(report, kind);
  const headers = errorHeaders(report, normalized.headers, ids, rendered);
  if (report.status === 503 && report.errorClass === 'transient') headers['retry-after'] ??= jitteredRetryAfter(options.retryAfter);
  const crash = restart || (report.origin !== 'handler' && report.origin !== 'quarantine');
  // HTTP/2 has no Connection header (Node warns and drops it): a restart's GOAWAY does that job there.
  if (crash && request.httpVersionMajor !== 2) headers.connection = 'close';
  return { status: report.status, headers, body: rendered.body };
}

function isRenderedBody(value: RenderedBody | null | undefined): boolean {
  return typeof value === 'object' && value !== null && typeof value.body === 'string' && typeof value.contentType === 'string' && isSafeHeaderValue(value.contentType);
}
