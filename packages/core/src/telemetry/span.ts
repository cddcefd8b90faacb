import type { Span } from '@opentelemetry/api';
import { CLIENT_CLOSED } from '../report/client-gone.js';
import type { RecoverReport } from '../types.js';
import type { OtelApi } from './otel.js';

/**
 * Records the error on `span`: the exception event, `error.type`, and status ERROR for 5xx only. A client
 * that left is not an error of ours: its span only learns the 499.
 */
export function recordOnSpan(api: OtelApi, report: RecoverReport, span: Span): void {
  if (report.status === CLIENT_CLOSED) {
    span.setAttribute('http.response.status_code', CLIENT_CLOSED);
    return;
  }
  const { type, message, stack } = report.error;
  span.recordException({ name: type, message, ...(stack === undefined ? {} : { stack }) });
  span.setAttribute('error.type', type);
  span.setAttribute('recover.error_class', report.errorClass);
  if (report.status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR, message: type });
}
