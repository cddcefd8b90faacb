import { nodeRequire } from '../util/node-require.js';

// The parts of `@opentelemetry/api` recover uses, typed by their shape: the package is an optional peer
// dependency, so the emitted declarations must not name it (with `skipLibCheck: false`, an application
// without it would fail to compile). test/otel-types.test.ts checks the real API still fits.

/** The ids of a span (`SpanContext`). */
export interface SpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** The part of an OpenTelemetry `Span` recover writes to. */
export interface Span {
  spanContext(): SpanContext;
  setAttribute(key: string, value: string | number): unknown;
  recordException(exception: { name: string; message: string; stack?: string }): void;
  setStatus(status: { code: number; message?: string }): unknown;
}

/** An OpenTelemetry `Counter`. */
export interface Counter {
  add(value: number, attributes?: Record<string, string | number>): void;
}

/** An OpenTelemetry `MeterProvider`. */
export interface MeterProvider {
  getMeter(name: string): { createCounter(name: string, options?: { description?: string; unit?: string }): Counter };
}

/** An OpenTelemetry `Context`: values under keys. */
export interface Context {
  getValue(key: symbol): unknown;
}

/** `@opentelemetry/api` when the application has it installed; it is an optional peer dependency. */
export interface OtelApi {
  context: { active(): Context };
  createContextKey(description: string): symbol;
  trace: { getActiveSpan(): Span | undefined; getSpan(context: Context): Span | undefined; getTracerProvider(): unknown };
  metrics: { getMeterProvider(): MeterProvider };
  isSpanContextValid(context: SpanContext): boolean;
  SpanStatusCode: { ERROR: number };
}

let loaded: OtelApi | null | undefined;

/** Loads `@opentelemetry/api` once, on the first error, so importing recover costs nothing. */
export function otelApi(): OtelApi | undefined {
  if (loaded === undefined) {
    try {
      loaded = (nodeRequire()?.('@opentelemetry/api') as OtelApi | undefined) ?? null;
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}
