// The OpenTelemetry SDK with exporters that throw on every export: a broken collector must cost the
// service nothing. Its own test process, because the SDK registers globally once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LogCapture } from '@recover/test-support/capture';
import { send } from '@recover/test-support/http';
import { START_SPAN, frameworks, startServer, type Running } from '@recover/test-support/servers';

let spanExports = 0;
let metricExports = 0;
const spanExporter: SpanExporter = {
  export() { spanExports += 1; throw new Error('span collector unreachable'); },
  shutdown: () => Promise.resolve(),
};
const metricExporter: PushMetricExporter = {
  export() { metricExports += 1; throw new Error('metric collector unreachable'); },
  forceFlush: () => Promise.reject(new Error('metric flush broke')),
  shutdown: () => Promise.resolve(),
};
const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
tracerProvider.register();
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 20, exportTimeoutMillis: 10 });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
after(() => reader.shutdown().catch(() => undefined));

for (const framework of frameworks) {
  describe(`telemetry exporters that throw: ${framework}`, () => {
    const capture = new LogCapture();
    let server: Running;
    before(async () => { server = await startServer(framework, capture.logger); });
    after(() => server.close());

    it('the crash is still answered 500 with its trace id and logged once, and the server goes on', async () => {
      const spansBefore = spanExports;
      for (let i = 0; i < 5; i++) {
        const requestId = randomUUID();
        const response = await send(`${server.url}/case/sync-throw`, { 'x-request-id': requestId, [START_SPAN]: '1' });
        assert.equal(response.status, 500);
        const line = capture.onlyReportFor(requestId);
        assert.equal((JSON.parse(response.body) as { traceId: string }).traceId, line.trace_id);
      }
      const deadline = Date.now() + 2000;
      while ((spanExports - spansBefore < 5 || metricExports === 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(spanExports - spansBefore >= 5, `the span exporter was called (and threw) ${spanExports - spansBefore} times`);
      assert.ok(metricExports > 0, 'the metric exporter was called (and threw)');
      assert.equal((await send(`${server.url}/ok`)).status, 200);
    });
  });
}
