import type { ErrorResponse, NormalizedError, ResolvedOptions } from '../internal-types.js';
import type { TraceIds } from '../telemetry/trace.js';
import type { RecoverReport, RenderedBody } from '../types.js';
import { callHook } from '../util/call-hook.js';
import { errorHeaders, isSafeHeaderValue } from './headers.js';
import { negotiate } from './negotiate.js';
import { renderBody } from './render.js';

/**
 * The error response for a report: the body in the media type the client accepts (option `render`, else
 * the safe default), and its headers. An error that escaped its request closes the connection: the process
 * just survived a crash, and the client should not reuse it.
 */
export function errorResponse(report: RecoverReport, normalized: NormalizedError, ids: TraceIds, accept: string | undefined, options: ResolvedOptions): ErrorResponse {
  const kind = negotiate(accept);
  const { render } = options;
  const rendered = render ? callHook('render', report, () => render(report, kind), renderBody(report, kind), isRenderedBody) : renderBody(report, kind);
  const headers = errorHeaders(report, normalized.headers, ids, rendered);
  if (report.origin !== 'handler') headers.connection = 'close';
  return { status: report.status, headers, body: rendered.body };
}

function isRenderedBody(value: RenderedBody | null | undefined): boolean {
  return typeof value === 'object' && value !== null && typeof value.body === 'string' && typeof value.contentType === 'string' && isSafeHeaderValue(value.contentType);
}
