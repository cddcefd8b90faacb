import type { Counter, MeterProvider } from '@opentelemetry/api';
import { CLIENT_CLOSED } from './client.js';
import { otelApi } from './otel.js';
import type { RecoverReport } from './report.js';
import type { Span } from '@opentelemetry/api';

/** Name of the counter every reported error increments. */
export const ERROR_COUNTER = 'recover.errors';
/** Name of the counter for requests whose client closed the connection (499): not errors of ours. */
export const CLIENT_CLOSED_COUNTER = 'recover.client_closed';

const counters = new Map<string, { provider: MeterProvider; counter: Counter }>();

/**
 * Records the error on the active span (`recordException`; status ERROR for 5xx only) and counts it.
 * Throws only if the OpenTelemetry SDK throws; the caller falls back to stderr.
 */
export function recordTelemetry(report: RecoverReport, span: Span | undefined): void {
  const api = otelApi();
  if (!api) return;
  const attributes = {
    'error.type': report.error.type,
    'http.response.status_code': report.status,
    ...(report.request?.route === undefined ? {} : { 'http.route': report.request.route }),
    'recover.origin': report.origin,
    ...(report.job === undefined ? {} : { 'job.name': report.job.name }),
  };
  if (report.status === CLIENT_CLOSED) {
    span?.setAttribute('http.response.status_code', CLIENT_CLOSED);
    counterFor(api, CLIENT_CLOSED_COUNTER, 'Requests whose client closed the connection before the answer.').add(1, attributes);
    return;
  }
  if (span) {
    const exception = { name: report.error.type, message: report.error.message, ...(report.error.stack === undefined ? {} : { stack: report.error.stack }) };
    span.recordException(exception);
    span.setAttribute('error.type', report.error.type);
    if (report.status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR, message: report.error.type });
  }
  counterFor(api, ERROR_COUNTER, 'Errors reported by recover, by error type, route, status and origin.').add(1, attributes);
}

/** A counter, made again if the application registered a meter provider after our first use of it. */
function counterFor(api: NonNullable<ReturnType<typeof otelApi>>, name: string, description: string): Counter {
  const provider = api.metrics.getMeterProvider();
  let entry = counters.get(name);
  if (entry?.provider !== provider) {
    entry = { provider, counter: provider.getMeter('@recover/core').createCounter(name, { description, unit: '{request}' }) };
    counters.set(name, entry);
  }
  return entry.counter;
}
