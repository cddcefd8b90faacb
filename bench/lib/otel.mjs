// The OpenTelemetry Node SDK for the `otel-*` variants of bench/server.mjs, preloaded before the server
// (`node --import ./bench/lib/otel.mjs bench/server.mjs <framework> <variant> <dir>`), as the SDK asks: its
// instrumentations patch the modules loaded after it starts.
//
// NodeSDK with @opentelemetry/instrumentation-http and the framework's own instrumentation (Express:
// @opentelemetry/instrumentation-express, Koa: @opentelemetry/instrumentation-koa, Fastify: @fastify/otel;
// only with BENCH_OTEL_FRAMEWORK=1);
// spans go through a BatchSpanProcessor with its defaults (queue 2048, batches of 512, at least every 5 s),
// what NodeSDK builds around a `traceExporter`, to an exporter that counts them by name and drops them: the
// export pipeline runs as it would in production, without the network. No metric reader and no log
// processor: traces only (the SDK would otherwise default to OTLP exporters that send to localhost).
//
// The server reads the counts through globalThis[Symbol.for('recover.bench.otel')].spans(), which flushes
// the processor first. Spans the processor dropped (its queue full) are counted from its diag warnings.
import { createRequire } from 'node:module';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation } from '@opentelemetry/instrumentation-koa';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

// process.argv: [node, bench/server.mjs, framework, variant, dir]
const framework = process.argv[2];
const frameworkInstrumentation = {
  express: () => new ExpressInstrumentation(),
  koa: () => new KoaInstrumentation(),
  fastify: () => new FastifyOtelInstrumentation({ registerOnInitialization: true }),
}[framework];
if (!frameworkInstrumentation) throw new Error(`bench/lib/otel.mjs: unknown framework "${framework}"`);

const counts = new Map();
let exported = 0;
const countingExporter = {
  export(spans, done) {
    exported += spans.length;
    for (const span of spans) counts.set(span.name, (counts.get(span.name) ?? 0) + 1);
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};

// The processor says how many spans it dropped in a warning, once it can queue spans again.
let dropped = 0;
const quiet = () => {};
diag.setLogger({
  error: (...args) => { console.error('otel error:', ...args); },
  warn: (message, ...args) => {
    const drop = /^Dropped (\d+) spans/.exec(String(message));
    if (drop) dropped += Number(drop[1]);
    else console.error('otel warning:', message, ...args);
  },
  info: quiet, debug: quiet, verbose: quiet,
}, DiagLogLevel.WARN);

const processor = new BatchSpanProcessor(countingExporter);
const sdk = new NodeSDK({
  serviceName: `recover-bench-${framework}`,
  spanProcessors: [processor],
  metricReaders: [],
  logRecordProcessors: [],
  instrumentations: [new HttpInstrumentation(), ...(process.env.BENCH_OTEL_FRAMEWORK === '1' ? [frameworkInstrumentation()] : [])],
});
sdk.start();
// The HTTP instrumentation patches `node:http` when it is required; the frameworks require it after this.
createRequire(import.meta.url)('node:http');

globalThis[Symbol.for('recover.bench.otel')] = {
  /** Every span exported so far, after flushing the batch processor: { exported, dropped, byName }. */
  async spans() {
    await processor.forceFlush();
    return { exported, dropped, byName: Object.fromEntries(counts) };
  },
};
