import { CLIENT_CLOSED } from '../report/client-gone.js';
import type { RecoverReport, SerializedError } from '../types.js';
import type { OtelApi, Span } from './otel.js';

/**
 * Records the error on `span`: the exception event (unless the span already has it), `error.type`, and
 * status ERROR for 5xx only. A client that left is not an error of ours: its span only learns the 499.
 */
export function recordOnSpan(api: OtelApi, report: RecoverReport, span: Span): void {
  if (report.status === CLIENT_CLOSED) {
    span.setAttribute('http.response.status_code', CLIENT_CLOSED);
    return;
  }
  const { type, message, stack } = report.error;
  if (!hasException(span, report.error)) span.recordException({ name: type, message, ...(stack === undefined ? {} : { stack }) });
  span.setAttribute('error.type', type);
  span.setAttribute('recover.error_class', report.errorClass);
  if (report.status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR, message: type });
}

/**
 * Whether a framework's instrumentation already put this error's exception event on the span
 * (@fastify/otel records on its `request` span, which is the SERVER span when instrumentation-http is
 * absent). SDK spans show their events; the SDK's type is the error's `code`, else its `name`, so the
 * message is what is compared. Another API implementation's span has no `events`: recorded as before.
 */
function hasException(span: Span, error: SerializedError): boolean {
  const events = (span as { events?: unknown }).events;
  if (!Array.isArray(events)) return false;
  return (events as { name?: unknown; attributes?: Record<string, unknown> }[]).some(
    (event) => event.name === 'exception' && event.attributes?.['exception.message'] === error.message,
  );
}
