import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import createError from 'http-errors';
import { pinoHttp } from 'pino-http';
import { accessLogLevel, recover, type RecoverOptions } from '@recover/express';
import { MALFORMED_JSON, assertRefused } from '@recover/test-support/bodies';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { listen, send, type Running } from '@recover/test-support/http';
import { waitFor } from '@recover/test-support/wait';

interface LoggedErr {
  type: string;
  message: string;
}

const errOf = (line: LogLine): LoggedErr => line.err as LoggedErr;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('express: recover with pino-http', () => {
  const capture = new LogCapture();
  let server: Running;
  before(async () => {
    const app = express();
    app.use(pinoHttp({ logger: capture.logger, quietReqLogger: true, customLogLevel: accessLogLevel }));
    app.get('/boom', () => {
      throw new Error('boom secret');
    });
    app.get('/later', async () => {
      await tick();
      throw new RangeError('later secret');
    });
    app.use(recover());
    server = await listen(app);
  });
  after(async () => {
    await server.close();
  });

  for (const path of ['/boom', '/later']) {
    it(`${path}: a crash has exactly one error-level line, and it is recover's`, async () => {
      const before = capture.lines.length;
      const response = await send(`${server.url}${path}`);
      assert.equal(response.status, 500);
      // pino-http writes its access line when the response finishes.
      await waitFor(() => capture.lines.slice(before).some((line) => line.msg === 'request errored' || 'res' in line), 'the access line', 2000);
      const lines = capture.lines.slice(before);
      const errorLevel = lines.filter((line) => line.level >= 50);
      assert.equal(errorLevel.length, 1, `error-level lines: ${JSON.stringify(errorLevel)}`);
      const [line] = errorLevel as [LogLine];
      assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
      assert.equal(errOf(line).type, path === '/boom' ? 'Error' : 'RangeError');
      assert.equal(line.responseStatus, 500);
      const access = lines.find((candidate) => 'res' in candidate);
      assert.ok(access, 'pino-http still writes its access line');
      assert.equal(access.level, 30, 'the access line of a reported crash is info');
    });
  }

  it("recover's line and response use pino-http's request id", async () => {
    const before = capture.lines.length;
    const response = await send(`${server.url}/boom`);
    await waitFor(() => capture.lines.slice(before).some((line) => 'res' in line), 'the access line', 2000);
    const lines = capture.lines.slice(before);
    const access = lines.find((line) => 'res' in line);
    const report = lines.find((line) => 'trace_id' in line);
    assert.ok(access && report);
    const reqId = access.reqId;
    assert.ok(typeof reqId === 'number' || typeof reqId === 'string', `pino-http logged a reqId: ${JSON.stringify(reqId)}`);
    assert.equal(report.reqId, reqId, "recover logged through pino-http's req.log");
    assert.equal(report.requestId, String(reqId));
    assert.equal(response.headers['x-request-id'], String(reqId));
    assert.equal((JSON.parse(response.body) as { requestId: unknown }).requestId, String(reqId));
  });

  it('Authorization and Cookie values never reach recover’s line', async () => {
    const before = capture.raw.length;
    const token = `Bearer tok-${randomUUID()}`;
    const cookie = `session=${randomUUID()}`;
    const response = await send(`${server.url}/boom`, { authorization: token, cookie });
    assert.equal(response.status, 500);
    await waitFor(() => capture.lines.slice(before).some((line) => 'res' in line), 'the access line', 2000);
    const reports = capture.raw.slice(before).filter((raw) => raw.includes('"trace_id"'));
    assert.equal(reports.length, 1);
    for (const raw of reports) {
      assert.ok(!raw.includes(token.slice(7)), 'authorization value in a log line');
      assert.ok(!raw.includes(cookie.slice(8)), 'cookie value in a log line');
    }
  });
});

describe('express: recover', () => {
  const capture = new LogCapture();
  let server: Running;
  before(async () => {
    const app = express();
    app.get('/boom', () => {
      throw new Error('boom secret password=hunter2');
    });
    app.get('/xss', () => {
      throw createError(400, '<script>alert(1)</script>');
    });
    app.get('/null', () => {
      throw null;
    });
    app.get('/undefined', () => {
      throw undefined;
    });
    app.get('/empty', () => {
      throw '';
    });
    app.get('/reject-null', async () => {
      await tick();
      throw null;
    });
    app.get('/leaky', (_req, res) => {
      res.setHeader('set-cookie', 'session=leaked; HttpOnly');
      res.setHeader('x-secret', 'internal-value');
      res.setHeader('content-type', 'application/x-internal');
      res.setHeader('content-disposition', 'attachment; filename="report.csv"');
      res.setHeader('etag', '"v7"');
      throw new Error('failed after setting headers');
    });
    const api = express.Router();
    api.get('/items/:id', () => {
      throw new Error('item lookup failed');
    });
    const v1 = express.Router();
    v1.get('/things/:thing', async () => {
      await tick();
      throw new Error('thing lookup failed');
    });
    api.use('/v1', v1);
    app.use('/api', api);
    app.use(recover({ logger: capture.logger }));
    server = await listen(app);
  });
  after(async () => {
    await server.close();
  });

  it('never logs Authorization or Cookie values', async () => {
    const before = capture.raw.length;
    const requestId = randomUUID();
    const token = `Bearer tok-${randomUUID()}`;
    const cookie = `session=${randomUUID()}`;
    const response = await send(`${server.url}/boom`, { 'x-request-id': requestId, authorization: token, cookie });
    assert.equal(response.status, 500);
    capture.onlyReportFor(requestId);
    const written = capture.raw.slice(before);
    assert.ok(written.length > 0);
    for (const raw of written) {
      assert.ok(!raw.includes(token.slice(7)), 'authorization value in a log line');
      assert.ok(!raw.includes(cookie.slice(8)), 'cookie value in a log line');
    }
  });

  it('Accept: text/html escapes an exposed 4xx message', async () => {
    const response = await send(`${server.url}/xss`, { accept: 'text/html' });
    assert.equal(response.status, 400);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(response.body, /^<!DOCTYPE html>/);
    assert.ok(response.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), response.body);
    assert.ok(!response.body.includes('<script>'), 'the raw tag reached the page');
  });

  it('Accept: text/plain answers plain text without the 5xx message', async () => {
    const requestId = randomUUID();
    const response = await send(`${server.url}/boom`, { accept: 'text/plain', 'x-request-id': requestId });
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(response.body, /^500 Internal Server Error\n/);
    assert.ok(response.body.includes(`requestId: ${requestId}`));
    assert.ok(!response.body.includes('hunter2'));
    assert.ok(!response.body.includes('boom secret'));
    assert.ok(errOf(capture.onlyReportFor(requestId)).message.includes('hunter2'), 'the log keeps the message');
  });

  it('logs the full route of a mounted router', async () => {
    const requestId = randomUUID();
    const response = await send(`${server.url}/api/items/42?x=1`, { 'x-request-id': requestId });
    assert.equal(response.status, 500);
    const line = capture.onlyReportFor(requestId);
    assert.deepEqual(line.req, { method: 'GET', url: '/api/items/42?x=1', route: '/api/items/:id' });
  });

  it('logs the full route of a router mounted inside a mounted router', async () => {
    const requestId = randomUUID();
    const response = await send(`${server.url}/api/v1/things/7`, { 'x-request-id': requestId });
    assert.equal(response.status, 500);
    assert.deepEqual(capture.onlyReportFor(requestId).req, { method: 'GET', url: '/api/v1/things/7', route: '/api/v1/things/:thing' });
  });

  for (const [path, type] of [['/null', 'null'], ['/undefined', 'undefined'], ['/empty', 'string']] as const) {
    it(`a sync falsy throw (${path}) is a 500, not Express's 404`, async () => {
      const requestId = randomUUID();
      const response = await send(`${server.url}${path}`, { 'x-request-id': requestId });
      assert.equal(response.status, 500);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      const body = JSON.parse(response.body) as Record<string, unknown>;
      assert.equal(body.status, 500);
      assert.equal(body.requestId, requestId);
      const line = capture.onlyReportFor(requestId);
      assert.equal(line.level, 50);
      assert.equal(errOf(line).type, type);
    });
  }

  it('an async rejection with null is a 500 with one report', async () => {
    const requestId = randomUUID();
    const response = await send(`${server.url}/reject-null`, { 'x-request-id': requestId });
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(capture.onlyReportFor(requestId).level, 50);
  });

  it('headers of the failed representation are dropped; the response\'s own (cookies, custom) kept, as finalhandler does', async () => {
    const response = await send(`${server.url}/leaky`);
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-disposition'], undefined);
    assert.equal(response.headers.etag, undefined);
    assert.deepEqual(response.headers['set-cookie'], ['session=leaked; HttpOnly']);
    assert.equal(response.headers['x-secret'], 'internal-value');
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-store');
  });

  it('a failing HEAD request gets the status and no body', async () => {
    const requestId = randomUUID();
    const response = await send(`${server.url}/boom`, { 'x-request-id': requestId }, 'HEAD');
    assert.equal(response.status, 500);
    assert.equal(response.broken, false);
    assert.equal(response.body, '');
    assert.equal(response.headers['x-request-id'], requestId);
    capture.onlyReportFor(requestId);
  });

  it('the server keeps serving after errors', async () => {
    const responses = await Promise.all(['/boom', '/null', '/xss', '/api/items/1'].map((path) => send(`${server.url}${path}`)));
    assert.deepEqual(responses.map((response) => response.status), [500, 500, 400, 500]);
  });
});

describe("express: malformed bodies are 4xx from Express's own parser, not crashes", () => {
  const capture = new LogCapture();
  let server: Running;
  before(async () => {
    const app = express();
    app.post('/orders', express.json({ limit: '1kb' }), (_req, res) => {
      res.json({ ok: true });
    });
    app.use(recover({ logger: capture.logger }));
    server = await listen(app);
  });
  after(async () => {
    await server.close();
  });

  const cases = [
    ...MALFORMED_JSON,
    { name: 'an unsupported charset', contentType: 'application/json; charset=klingon', body: '{}', status: 415 },
  ];
  for (const malformed of cases) {
    it(`${malformed.name}: ${malformed.status}, problem+json, logged at info without the body`, async () => {
      await assertRefused(`${server.url}/orders`, capture, malformed);
    });
  }
});

describe('express: options', () => {
  const wrong: [string, unknown, RegExp][] = [
    ['stackSize: -1', { stackSize: -1 }, /"stackSize"/],
    ['stackSize: "x"', { stackSize: 'x' }, /"stackSize"/],
    ['bogus: 1', { bogus: 1 }, /"bogus"/],
    ['logger: {}', { logger: {} }, /"logger"/],
    ['onError: 1', { onError: 1 }, /"onError"/],
  ];
  for (const [label, options, name] of wrong) {
    it(`recover({ ${label} }) throws a TypeError naming the option`, () => {
      assert.throws(() => recover(options as RecoverOptions), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, name);
        return true;
      });
    });
  }

  it('valid options are accepted', () => {
    assert.equal(typeof recover({ stackSize: 0, level: () => 'warn' }), 'function');
    assert.equal(typeof recover(), 'function');
  });
});
