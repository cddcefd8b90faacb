import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { SpanKind, SpanStatusCode, context, createContextKey, trace } from '@opentelemetry/api';
import { createRecover, sendErrorResponse, type Recover } from '@recover/core/adapter';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { listen, send } from '@recover/test-support/http';
import { installTelemetry } from '@recover/test-support/otel';

const telemetry = installTelemetry();
const tracer = trace.getTracer('request-span.test');
// The key @opentelemetry/instrumentation-http stores the request's server span under (its RPC metadata).
const RPC_METADATA = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');

/**
 * A server shaped like sdk-node with instrumentation-http and a framework instrumentation: a SERVER span
 * in the RPC metadata, and the framework's middleware span active when recover runs. `before` runs on the
 * middleware span first (a framework instrumentation recording the error itself).
 */
async function instrumented(t: TestContext, name: string, recover: Recover, thrown: Error, before?: (span: ReturnType<typeof tracer.startSpan>) => void): Promise<string> {
  const running = await listen((request: IncomingMessage, response: ServerResponse) => {
    const server = tracer.startSpan(`GET ${name}`, { kind: SpanKind.SERVER });
    const withMetadata = context.active().setValue(RPC_METADATA, { type: 'http', span: server });
    context.with(trace.setSpan(withMetadata, server), () => {
      tracer.startActiveSpan(`middleware - ${name}`, (middleware) => {
        before?.(server);
        const answer = recover.handle(thrown, { request, response });
        if (answer) sendErrorResponse(response, answer);
        middleware.end();
        server.end();
      });
    });
  });
  t.after(running.close);
  return running.url;
}

const exceptions = (name: string) =>
  telemetry.spans.getFinishedSpans().filter((span) => span.name === name).flatMap((span) => span.events.filter((event) => event.name === 'exception'));

describe('the span an error is recorded on', () => {
  it("is the request's SERVER span from the HTTP instrumentation, not the framework's middleware span", async (t) => {
    const capture = new LogCapture();
    const url = await instrumented(t, '/server-span', createRecover({ logger: capture.logger }), new TypeError('on the server span'));
    await send(url, { 'x-request-id': 'server-span' });
    const [server] = telemetry.spans.getFinishedSpans().filter((span) => span.name === 'GET /server-span');
    assert.ok(server);
    assert.equal(exceptions('GET /server-span').length, 1);
    assert.equal(server.status.code, SpanStatusCode.ERROR);
    assert.equal(exceptions('middleware - /server-span').length, 0, 'not on the middleware span');
    const [line] = capture.reportsFor('server-span') as [LogLine];
    assert.equal(line.span_id, server.spanContext().spanId, 'the log line names the span the exception is on');
  });

  it('is not given the exception a second time when an instrumentation already recorded it there', async (t) => {
    const thrown = new TypeError('recorded by @fastify/otel');
    const url = await instrumented(t, '/already', createRecover({ logger: new LogCapture().logger }), thrown, (server) => {
      server.recordException(thrown);
    });
    await send(url);
    assert.equal(exceptions('GET /already').length, 1);
    const [server] = telemetry.spans.getFinishedSpans().filter((span) => span.name === 'GET /already');
    assert.equal(server?.status.code, SpanStatusCode.ERROR, 'still marked as an error');
  });
});
