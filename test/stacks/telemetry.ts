// The OpenTelemetry Node SDK as users start it (sdk-node with the HTTP and framework instrumentations,
// @fastify/otel for Fastify), exporting to memory. Import it first: the instrumentations patch the
// modules required after it, so each stack loads its framework and middleware with `load()` (require:
// the instrumentations hook require; ESM apps would need the import-in-the-middle hook).
import { createRequire } from 'node:module';
import { SpanKind } from '@opentelemetry/api';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

export const exporter = new InMemorySpanExporter();
const sdk = new NodeSDK({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
  instrumentations: [
    new HttpInstrumentation(),
    new ExpressInstrumentation(),
    new KoaInstrumentation(),
    new FastifyOtelInstrumentation({ registerOnInitialization: true }),
  ],
});
sdk.start();

/** require, after the SDK started, so the instrumentations patch what it loads. */
export const load = createRequire(import.meta.url);

/** The exception events on a span, by message. */
export function exceptions(span: ReadableSpan, message: string): number {
  return span.events.filter((event) => event.name === 'exception' && event.attributes?.['exception.message'] === message).length;
}

/** The exported SERVER span of the request with this trace id (instrumentation-http's). */
export function serverSpan(traceId: string): ReadableSpan | undefined {
  return exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER && span.spanContext().traceId === traceId);
}

/** Every exported span of the trace, for messages: name and how many times each has the exception. */
export function spansOf(traceId: string, message: string): string {
  return exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId).map((span) => `${span.name}=${exceptions(span, message)}`).join(', ');
}
