// Koa as people run it: @koa/router, @koa/cors, koa-compress, koa-helmet, koa-body and koa-session, with
// the OpenTelemetry SDK; recover first in the stack.
import { exceptions, exporter, load, serverSpan, spansOf } from './telemetry.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { recover } from '@recover/koa';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { waitFor } from '@recover/test-support/wait';
import { EXPORT_FAILURE, failingExport } from './failing-export.js';

const Koa = load('koa') as typeof import('koa');
const { Router } = load('@koa/router') as typeof import('@koa/router');
const cors = load('@koa/cors') as typeof import('@koa/cors');
const compress = load('koa-compress') as typeof import('koa-compress');
const helmet = load('koa-helmet') as typeof import('koa-helmet').default;
const { koaBody } = load('koa-body') as typeof import('koa-body');
const session = (load('koa-session') as typeof import('koa-session')).default;
const request = load('supertest') as typeof import('supertest');

const ORIGIN = 'https://app.example';

function stack(capture: LogCapture): ReturnType<InstanceType<typeof Koa>['callback']> {
  const app = new Koa();
  app.keys = ['stack-test'];
  app.use(recover({ logger: capture.logger }));
  app.use(cors({ origin: ORIGIN }));
  app.use(helmet());
  app.use(compress({ threshold: 0 }));
  app.use(session(app));
  app.use(koaBody({ multipart: true, formidable: { maxFileSize: 16 } }));
  const router = new Router();
  router.get('/crash', () => { throw new TypeError('ledger out of balance'); });
  router.get('/widgets/:id', (ctx) => { ctx.throw(404, 'No such widget'); });
  router.post('/avatar', (ctx) => { ctx.body = { saved: true }; });
  router.get('/export', (ctx) => {
    ctx.type = 'text/csv';
    ctx.body = failingExport();
  });
  app.use(router.routes());
  return app.callback();
}

const reports = (capture: LogCapture) => capture.lines.filter((line) => 'trace_id' in line && 'err' in line);

describe('stack: Koa with @koa/router, @koa/cors, koa-compress, koa-helmet, koa-body, koa-session', () => {
  it('a crash: 500 problem+json with no message, CORS and helmet headers kept, one error line with its trace', async () => {
    const capture = new LogCapture();
    const response = await request(stack(capture)).get('/crash').set('Origin', ORIGIN).expect(500).expect('content-type', 'application/problem+json; charset=utf-8');
    const body = response.body as { title: string; traceId: string };
    assert.equal(body.title, 'Internal Server Error');
    assert.doesNotMatch(response.text, /ledger/);
    assert.equal(response.headers['access-control-allow-origin'], ORIGIN);
    assert.match(String(response.headers['strict-transport-security']), /max-age=/);
    const [line, ...others] = reports(capture) as [LogLine, ...LogLine[]];
    assert.equal(others.length, 0, 'one report line');
    assert.equal(line.level, 50);
    assert.equal(line.trace_id, body.traceId);
  });

  it("a crash is recorded once, on the request's SERVER span, not on recover's middleware span", async () => {
    const { traceId } = (await request(stack(new LogCapture())).get('/crash').expect(500)).body as { traceId: string };
    const server = await waitFor(() => serverSpan(traceId), 'the exported SERVER span');
    assert.equal(exceptions(server, 'ledger out of balance'), 1, spansOf(traceId, 'ledger out of balance'));
    assert.equal(server.status.code, SpanStatusCode.ERROR);
    const middleware = exporter.getFinishedSpans().find((span) => span.spanContext().traceId === traceId && span.name === 'middleware - recoverKoa');
    assert.ok(middleware, 'the Koa instrumentation traced recover’s middleware');
    assert.equal(exceptions(middleware, 'ledger out of balance'), 0);
  });

  it("koa-body (formidable) refusing a file over maxFileSize: formidable's httpCode 413, logged at info", async () => {
    const capture = new LogCapture();
    await request(stack(capture)).post('/avatar').attach('avatar', Buffer.alloc(64), 'avatar.png').expect(413);
    const [line] = reports(capture) as [LogLine];
    assert.equal(line.level, 30);
    assert.equal(line.responseStatus, 413);
  });

  it('ctx.throw(404): its status and message', async () => {
    const response = await request(stack(new LogCapture())).get('/widgets/42').expect(404);
    assert.equal((response.body as { detail?: string }).detail, 'No such widget');
  });

  it('a body stream that fails behind koa-compress: the real error, once, at error with its trace, not a 499 "client closed"', async () => {
    const capture = new LogCapture();
    // A timeout, so a response that hangs instead of being cut fails the test rather than stalling it.
    await assert.rejects(request(stack(capture)).get('/export').set('accept-encoding', 'gzip').timeout(5000));
    const line = await waitFor(() => reports(capture)[0], 'the report of the failed stream');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(reports(capture).length, 1, JSON.stringify(reports(capture).map((report) => report.err)));
    assert.equal((line.err as LogLine).message, EXPORT_FAILURE);
    assert.equal(line.level, 50);
    assert.equal(line.responseStatus, 500);
    assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
  });
});
