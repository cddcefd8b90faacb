// Fastify as people run it: @fastify/helmet, @fastify/compress, @fastify/multipart, @fastify/under-pressure
// and @fastify/sensible, with the OpenTelemetry SDK and @fastify/otel; recover registered first.
import { exceptions, exporter, load, serverSpan, spansOf } from './telemetry.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import recover from '@recover/fastify';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { waitFor } from '@recover/test-support/wait';
import { EXPORT_FAILURE, failingExport } from './failing-export.js';

const { default: Fastify, LogController } = load('fastify') as typeof import('fastify');
const helmet = (load('@fastify/helmet') as typeof import('@fastify/helmet')).default;
const compress = (load('@fastify/compress') as typeof import('@fastify/compress')).default;
const multipart = (load('@fastify/multipart') as typeof import('@fastify/multipart')).default;
const underPressure = (load('@fastify/under-pressure') as typeof import('@fastify/under-pressure')).default;
const sensible = (load('@fastify/sensible') as typeof import('@fastify/sensible')).default;
const request = load('supertest') as typeof import('supertest');

async function stack(capture: LogCapture): Promise<{ server: import('node:http').Server }> {
  const app = Fastify({ loggerInstance: capture.logger, logController: new LogController({ disableRequestLogging: true }) });
  await app.register(recover);
  await app.register(helmet);
  await app.register(compress, { threshold: 0 });
  await app.register(multipart, { limits: { fileSize: 16 } });
  await app.register(underPressure, { maxEventLoopDelay: 10_000 });
  await app.register(sensible);
  app.get('/crash', () => { throw new TypeError('ledger out of balance'); });
  app.get('/widgets/:id', () => { throw app.httpErrors.notFound('No such widget'); });
  app.post('/widgets', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, () => ({ saved: true }));
  app.post('/avatar', async (req) => {
    const file = await req.file();
    await file?.toBuffer();
    return { saved: true };
  });
  app.get('/export', (_req, reply) => reply.type('text/csv').send(failingExport()));
  await app.ready();
  return app;
}

const reports = (capture: LogCapture) => capture.lines.filter((line) => 'trace_id' in line && 'err' in line);

describe('stack: Fastify with @fastify/helmet, compress, multipart, under-pressure, sensible', () => {
  it('a crash: 500 problem+json with no message, helmet’s headers kept, one error line with its trace', async () => {
    const capture = new LogCapture();
    const app = await stack(capture);
    const response = await request(app.server).get('/crash').expect(500).expect('content-type', 'application/problem+json; charset=utf-8');
    const body = response.body as { title: string; traceId: string };
    assert.equal(body.title, 'Internal Server Error');
    assert.doesNotMatch(response.text, /ledger/);
    assert.match(String(response.headers['strict-transport-security']), /max-age=/);
    assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
    const lines = reports(capture);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.trace_id, body.traceId);
    assert.equal(capture.lines.filter((line) => line.level >= 50).length, 1);
  });

  it("a crash is recorded once on the SERVER span, and not a second time on @fastify/otel's request span", async () => {
    const app = await stack(new LogCapture());
    const { traceId } = (await request(app.server).get('/crash').expect(500)).body as { traceId: string };
    const server = await waitFor(() => serverSpan(traceId), 'the exported SERVER span');
    assert.equal(exceptions(server, 'ledger out of balance'), 1, spansOf(traceId, 'ledger out of balance'));
    assert.equal(server.status.code, SpanStatusCode.ERROR);
    const ofTrace = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    for (const span of ofTrace) assert.ok(exceptions(span, 'ledger out of balance') <= 1, `twice on ${spansOf(traceId, 'ledger out of balance')}`);
  });

  const refusals: [label: string, send: (app: { server: import('node:http').Server }) => import('supertest').Test, status: number, detail: RegExp][] = [
    ['schema validation', (app) => request(app.server).post('/widgets').send({}), 400, /^body must have required property 'name'$/],
    ['invalid JSON', (app) => request(app.server).post('/widgets').set('content-type', 'application/json').send('{"name":'), 400, /JSON/],
    ['an unsupported media type', (app) => request(app.server).post('/widgets').set('content-type', 'text/csv').send('a,b'), 415, /^Unsupported Media Type/],
    ['a multipart file over the limit', (app) => request(app.server).post('/avatar').attach('avatar', Buffer.alloc(64), 'avatar.png'), 413, /^request file too large$/],
    ['@fastify/sensible httpErrors', (app) => request(app.server).get('/widgets/42'), 404, /^No such widget$/],
  ];
  for (const [label, send, status, detail] of refusals) {
    it(`${label}: ${status} with the detail Fastify itself would show, logged at info`, async () => {
      const capture = new LogCapture();
      const response = await send(await stack(capture)).expect(status);
      assert.match(String((response.body as { detail?: string }).detail), detail);
      assert.equal(reports(capture)[0]?.level, 30);
    });
  }

  it('a stream that fails after the headers: the response is cut, and the real error is reported once at error with its trace', async () => {
    const capture = new LogCapture();
    const app = await stack(capture);
    await assert.rejects(request(app.server).get('/export').set('accept-encoding', 'identity').timeout(5000));
    const line = await waitFor(() => reports(capture)[0], 'the report of the failed stream');
    assert.equal((line.err as LogLine).message, EXPORT_FAILURE);
    assert.equal(line.level, 50);
    assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(reports(capture).length, 1);
    assert.equal(capture.lines.filter((candidate) => candidate.level >= 50).length, 1);
  });
});
