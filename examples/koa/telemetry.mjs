// Loaded with `node --import ./telemetry.mjs`, before the server, as the OpenTelemetry Node SDK asks.
import { createRequire } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

// Spans go to an OTLP collector when one is configured; otherwise they are created (so every log line
// and error body carries a real trace id) and dropped.
const dropSpans = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() };

const sdk = new NodeSDK({
  serviceName: 'recover-example-koa',
  traceExporter: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? undefined : dropSpans,
  instrumentations: [new HttpInstrumentation()],
});
sdk.start();
// The HTTP instrumentation patches `node:http` when it is required; the ESM server imports it later.
createRequire(import.meta.url)('node:http');

process.once('SIGTERM', () => {
  sdk.shutdown().finally(() => process.exit(0));
});
