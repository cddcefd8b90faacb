import type { RecoverReport } from '../types.js';
import { countReport } from './counter.js';
import { otelApi, type Span } from './otel.js';
import { recordOnSpan } from './span.js';

/**
 * Records the error on the active span and counts it. Throws only if the OpenTelemetry SDK throws; the
 * caller falls back to stderr.
 */
export function recordTelemetry(report: RecoverReport, span: Span | undefined): void {
  const api = otelApi();
  if (!api) return;
  if (span) recordOnSpan(api, report, span);
  countReport(api, report);
}
