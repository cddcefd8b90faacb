import type { OtelApi, Span } from './otel.js';

// @opentelemetry/instrumentation-http puts the request's SERVER span in the context under this key (its
// "RPC metadata", `{ type: 'http', span }`), and the context follows the request into the framework's error
// path, the timers its handlers start and the uncaughtException listener. createContextKey is
// Symbol.for(description): the same key as every copy of @opentelemetry/core's, without depending on it.
const RPC_METADATA_KEY = 'OpenTelemetry SDK Context Key RPC_METADATA';
let rpcMetadata: symbol | undefined;

/**
 * The span an error of the current request belongs on: the HTTP instrumentation's SERVER span, the one a
 * trace view shows for the request and that ends (and is exported) when the response closes; else the
 * active span (a framework's own request span, a job's span). Framework instrumentations record the error on
 * their handler spans themselves, so the server span is also the one that does not get it twice.
 */
export function requestSpan(api: OtelApi): Span | undefined {
  const context = api.context.active();
  rpcMetadata ??= api.createContextKey(RPC_METADATA_KEY);
  const metadata = context.getValue(rpcMetadata) as { span?: Span } | undefined;
  const server = metadata?.span;
  if (server && typeof server.spanContext === 'function' && api.isSpanContextValid(server.spanContext())) return server;
  const active = api.trace.getSpan(context);
  return active && api.isSpanContextValid(active.spanContext()) ? active : undefined;
}
