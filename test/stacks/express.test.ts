// Express as people run it: cors, helmet, compression, express-session, multer, express-rate-limit and
// pino-http, with the OpenTelemetry SDK; recover last. Asserted the way a user would notice, with supertest.
import { exceptions, exporter, load, serverSpan, spansOf } from './telemetry.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { accessLogLevel } from '@recover/core';
import { recover } from '@recover/express';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { waitFor } from '@recover/test-support/wait';

const express = load('express') as typeof import('express');
const cors = load('cors') as typeof import('cors');
const helmet = (load('helmet') as typeof import('helmet')).default;
const compression = load('compression') as typeof import('compression');
const session = load('express-session') as typeof import('express-session');
const multer = load('multer') as typeof import('multer');
const { rateLimit } = load('express-rate-limit') as typeof import('express-rate-limit');
const { pinoHttp } = load('pino-http') as typeof import('pino-http');
const createError = load('http-errors') as typeof import('http-errors');
const request = load('supertest') as typeof import('supertest');

const ORIGIN = 'https://app.example';

function stack(capture: LogCapture): import('express').Express {
  const app = express();
  app.use(pinoHttp({ logger: capture.logger, customLogLevel: accessLogLevel }));
  app.use(cors({ origin: ORIGIN }));
  app.use(helmet());
  app.use(compression());
  app.use(session({ secret: 'stack-test', resave: false, saveUninitialized: true }));
  app.use(rateLimit({ windowMs: 60_000, limit: 1000, standardHeaders: 'draft-7', legacyHeaders: false }));
  app.get('/ok', (_req, res) => { res.json({ ok: true }); });
  app.get('/crash', () => { throw new TypeError('ledger out of balance'); });
  app.get('/widgets/:id', () => { throw createError(404, 'No such widget'); });
  app.post('/avatar', multer({ limits: { fileSize: 16 } }).single('avatar'), (_req, res) => { res.json({ saved: true }); });
  app.use(recover({ logger: capture.logger }));
  return app;
}

const reports = (capture: LogCapture) => capture.lines.filter((line) => 'trace_id' in line && 'err' in line);

describe('stack: Express with cors, helmet, compression, express-session, multer, express-rate-limit, pino-http', () => {
  it('a crash: 500 problem+json with no message, the app’s headers kept, one error line, the access line with the real error', async () => {
    const capture = new LogCapture();
    const response = await request(stack(capture)).get('/crash').set('Origin', ORIGIN).expect(500).expect('content-type', 'application/problem+json; charset=utf-8');
    const body = response.body as { title: string; traceId: string; requestId: string };
    assert.equal(body.title, 'Internal Server Error');
    assert.doesNotMatch(response.text, /ledger/);
    const [line, ...others] = reports(capture) as [LogLine, ...LogLine[]];
    assert.equal(others.length, 0, 'one report line');
    assert.equal(line.level, 50);
    assert.equal(line.trace_id, body.traceId);
    assert.deepEqual(line.err && { type: (line.err as LogLine).type, message: (line.err as LogLine).message }, { type: 'TypeError', message: 'ledger out of balance' });
    const access = await waitFor(() => capture.lines.find((candidate) => candidate.msg === 'request errored'), 'pino-http’s access line');
    assert.equal((access.err as { type: string; message: string }).message, 'ledger out of balance', 'not "failed with status code 500"');
    assert.equal((access.err as { type: string }).type, 'TypeError');
    assert.equal(capture.lines.filter((candidate) => candidate.level >= 50).length, 1, 'one error-level line per crash');
  });

  it('a crash keeps the headers the app set for the whole response: CORS, helmet, rate limit, session cookie', async () => {
    const response = await request(stack(new LogCapture())).get('/crash').set('Origin', ORIGIN).expect(500);
    assert.equal(response.headers['access-control-allow-origin'], ORIGIN);
    assert.match(String(response.headers['strict-transport-security']), /max-age=/);
    assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
    assert.match(String(response.headers.ratelimit), /limit=1000/);
    assert.match(String(response.headers['set-cookie']), /connect\.sid=/);
  });

  it("a crash is recorded once, on the request's SERVER span, which is marked ERROR", async () => {
    const capture = new LogCapture();
    const response = await request(stack(capture)).get('/crash').expect(500);
    const { traceId } = response.body as { traceId: string };
    const server = await waitFor(() => serverSpan(traceId), 'the exported SERVER span');
    assert.equal(exceptions(server, 'ledger out of balance'), 1, spansOf(traceId, 'ledger out of balance'));
    assert.equal(server.status.code, SpanStatusCode.ERROR);
    for (const span of exporter.getFinishedSpans()) assert.ok(exceptions(span, 'ledger out of balance') <= 1, `${span.name} has it twice`);
    assert.equal(reports(capture)[0]?.span_id, server.spanContext().spanId, 'the log line names the span that has the exception');
  });

  it("multer's LIMIT_FILE_SIZE: 413 with multer's message, logged at info without alarm", async () => {
    const capture = new LogCapture();
    const response = await request(stack(capture)).post('/avatar').attach('avatar', Buffer.alloc(64), 'avatar.png').expect(413);
    assert.equal((response.body as { detail?: string }).detail, 'File too large');
    const [line] = reports(capture) as [LogLine];
    assert.equal(line.level, 30);
    assert.equal(line.responseStatus, 413);
  });

  it('an http-errors 404: its status and message, and the healthy route still answers', async () => {
    const app = stack(new LogCapture());
    const response = await request(app).get('/widgets/42').expect(404);
    assert.equal((response.body as { detail?: string }).detail, 'No such widget');
    await request(app).get('/ok').expect(200, { ok: true });
  });
});
