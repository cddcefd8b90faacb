import type { Counter, MeterProvider } from '@opentelemetry/api';
import { otelApi } from './otel.js';
import type { RecoverReport } from './report.js';
import type { Span } from '@opentelemetry/api';

/** Name of the counter every reported error increments. */
export const ERROR_COUNTER = 'recover.errors';

let counter: { provider: MeterProvider; counter: Counter } | undefined;

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
  if (span) {
    const exception = { name: report.error.type, message: report.error.message, ...(report.error.stack === undefined ? {} : { stack: report.error.stack }) };
    span.recordException(exception);
    span.setAttribute('error.type', report.error.type);
    if (report.status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR, message: report.error.type });
  }
  errorCounter(api).add(1, attributes);
}

/** The counter, made again if the application registered a meter provider after our first error. */
function errorCounter(api: NonNullable<ReturnType<typeof otelApi>>): Counter {
  const provider = api.metrics.getMeterProvider();
  if (counter?.provider !== provider) {
    const meter = provider.getMeter('@recover/core');
    counter = {
      provider,
      counter: meter.createCounter(ERROR_COUNTER, {
        description: 'Errors reported by recover, by error type, route, status and origin.',
        unit: '{error}',
      }),
    };
  }
  return counter.counter;
}
