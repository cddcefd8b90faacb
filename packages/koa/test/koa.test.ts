import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { pinoHttp } from 'pino-http';
import { accessLogLevel } from '@recover/core';
import { recover, type RecoverOptions } from '@recover/koa';
import { MALFORMED_JSON, assertRefused } from '@recover/test-support/bodies';
import { LogCapture, captureStderr, type LogLine } from '@recover/test-support/capture';
import { listen, send, type Running } from '@recover/test-support/http';

const PROBLEM = 'application/problem+json; charset=utf-8';

interface LoggedErr {
  type: string;
  message: string;
}

const errOf = (line: LogLine): LoggedErr => line.err as LoggedErr;

/** The shared routes: each fails the way a Koa handler can. */
function routes(): Router {
  const router = new Router();
  router.get('/boom', () => {
    throw new Error('boom secret password=hunter2');
  });
  router.get('/null', () => {
    throw null;
  });
  router.get('/late', (ctx) => {
    ctx.res.writeHead(200, { 'content-type': 'text/plain' });
    ctx.res.write('partial ');
    throw new Error('late secret after headers');
  });
  router.get('/leaky', (ctx) => {
    ctx.set('x-secret', 'internal-value');
    ctx.cookies.set('session', 'leaked');
    ctx.type = 'application/x-internal';
    ctx.set('content-language', 'de');
    ctx.etag = 'v7';
    throw new Error('failed after setting headers');
  });
  router.get('/forbidden', (ctx) => {
    ctx.throw(403, 'nope');
  });
  router.get('/items/:id', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    throw new RangeError('item lookup failed');
  });
  router.get('/ok', (ctx) => {
    ctx.body = { ok: true };
  });
  return router;
}

/** A Koa app with recover first and the shared routes, on a loopback port. */
function startApp(capture: LogCapture): Promise<Running> {
  const app = new Koa();
  app.use(recover({ logger: capture.logger }));
  app.use(routes().routes());
  return listen(app.callback());
}

describe('koa: recover', () => {
  const capture = new LogCapture();
  let server: Running;
  before(async () => {
    server = await startApp(capture);
  });
  after(async () => {
    await server.close();
  });

  it('answers a crash with problem+json and logs the route', async () => {
    const requestId = randomUUID();
    const response = await send(`${server.url}/items/9`, { 'x-request-id': requestId });
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-type'], PROBLEM);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(body.requestId, requestId);
    assert.equal(body.detail, undefined);
    const line = capture.onlyReportFor(requestId);
    assert.equal(line.level, 50);
    assert.equal(errOf(line).type, 'RangeError');
    assert.deepEqual(line.req, { method: 'GET', url: '/items/9', route: '/items/:id' });
  });

  it('throw null answers 500 instead of hanging', async () => {
    const requestId = randomUUID();
    const response = await send(`${server.url}/null`, { 'x-request-id': requestId });
    assert.equal(response.status, 500);
    assert.equal(response.broken, false);
    assert.equal(response.headers['content-type'], PROBLEM);
    assert.equal(errOf(capture.onlyReportFor(requestId)).type, 'null');
  });

  it('an error after writeHead(200) and write() cuts the response off and logs one line', async () => {
    const requestId = randomUUID();
    const response = await send(`${server.url}/late`, { 'x-request-id': requestId });
    assert.ok(response.status === 200 || response.status === 0, `status ${response.status}`);
    assert.equal(response.broken, true, 'the client must see a cut-off response, not a complete 200');
    assert.ok(!response.body.includes('traceId'), 'no second response was written');
    const line = capture.onlyReportFor(requestId);
    assert.equal(line.level, 50);
    assert.equal(errOf(line).message, 'late secret after headers');
  });

  it('headers of the failed representation are dropped; the response\'s own (cookies, custom) kept, unlike Koa\'s ctx.onerror', async () => {
    const response = await send(`${server.url}/leaky`);
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-language'], undefined);
    assert.equal(response.headers.etag, undefined);
    assert.equal(response.headers['x-secret'], 'internal-value');
    assert.match(String(response.headers['set-cookie']), /^session=leaked/);
    assert.equal(response.headers['content-type'], PROBLEM);
  });

  it("ctx.throw(403, 'nope') shows its message", async () => {
    const requestId = randomUUID();
    const response = await send(`${server.url}/forbidden`, { 'x-request-id': requestId });
    assert.equal(response.status, 403);
    assert.equal(response.headers['content-type'], PROBLEM);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(body.detail, 'nope');
    assert.equal(body.title, 'Forbidden');
    assert.equal(capture.onlyReportFor(requestId).level, 30);
  });

  it('the server keeps serving after errors', async () => {
    const failing = await Promise.all(['/boom', '/null', '/late', '/forbidden'].map((path) => send(`${server.url}${path}`)));
    assert.equal(failing.length, 4);
    const ok = await send(`${server.url}/ok`);
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { ok: true });
  });
});

describe("koa: the app's error event", () => {
  const capture = new LogCapture();
  const heard: { error: unknown; ctx: Context }[] = [];
  let server: Running;
  before(async () => {
    const app = new Koa();
    app.on('error', (error: unknown, ctx: Context) => {
      heard.push({ error, ctx });
    });
    app.use(recover({ logger: capture.logger }));
    app.use(async (ctx, next) => {
      ctx.state.marker = ctx.get('x-request-id');
      await next();
    });
    app.use(routes().routes());
    server = await listen(app.callback());
  });
  after(async () => {
    await server.close();
  });

  it('calls a user listener exactly once per error, with the error and ctx', async () => {
    const before = heard.length;
    const requestId = randomUUID();
    const response = await send(`${server.url}/boom`, { 'x-request-id': requestId });
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-type'], PROBLEM);
    assert.equal((JSON.parse(response.body) as { requestId: unknown }).requestId, requestId);
    const calls = heard.slice(before);
    assert.equal(calls.length, 1);
    const [call] = calls as [{ error: unknown; ctx: Context }];
    assert.ok(call.error instanceof Error);
    assert.equal(call.error.message, 'boom secret password=hunter2');
    assert.equal(call.ctx.path, '/boom');
    assert.equal(call.ctx.state.marker, requestId);
    assert.equal(capture.reportsFor(requestId).length, 1);
  });

  it('gives a listener an Error for throw null', async () => {
    const before = heard.length;
    const response = await send(`${server.url}/null`);
    assert.equal(response.status, 500);
    const calls = heard.slice(before);
    assert.equal(calls.length, 1);
    assert.ok((calls[0] as { error: unknown }).error instanceof Error);
  });
});

describe("koa: without listeners, Koa's default printer stays quiet", () => {
  const capture = new LogCapture();
  let server: Running;
  before(async () => {
    server = await startApp(capture);
  });
  after(async () => {
    await server.close();
  });

  it('writes nothing to stderr while recover logs the error', async () => {
    const requestId = randomUUID();
    const printed: unknown[][] = [];
    const originalConsoleError = console.error;
    console.error = (...args: unknown[]) => {
      printed.push(args);
    };
    let outcome: { result: { status: number }; stderr: string };
    try {
      outcome = await captureStderr(async () => {
        const response = await send(`${server.url}/boom`, { 'x-request-id': requestId });
        // Koa prints on the same tick the response ends; give it a turn to run.
        await new Promise((resolve) => setTimeout(resolve, 20));
        return response;
      });
    } finally {
      console.error = originalConsoleError;
    }
    assert.equal(outcome.result.status, 500);
    assert.equal(outcome.stderr, '', `stderr: ${outcome.stderr}`);
    assert.deepEqual(printed, [], 'console.error was called');
    const reports = capture.reportsFor(requestId);
    assert.equal(reports.length, 1);
    assert.equal((reports[0] as LogLine).level, 50);
  });
});

describe('koa: a ctx.body stream that fails after headers (Koa sends it to ctx.onerror, not to middleware)', () => {
  it('is reported once by recover, cut off for the client, told to listeners once, and not printed by Koa', async () => {
    const capture = new LogCapture();
    const heard: unknown[] = [];
    const app = new Koa();
    app.on('error', (error: unknown) => {
      heard.push(error);
    });
    app.use(recover({ logger: capture.logger }));
    app.use((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = new Readable({
        read() {
          this.push('first chunk\n');
          setImmediate(() => this.destroy(new Error('upstream stream failed')));
        },
      });
    });
    const running = await listen(app.callback());
    const printed: unknown[][] = [];
    const originalConsoleError = console.error;
    console.error = (...args: unknown[]) => {
      printed.push(args);
    };
    try {
      const requestId = randomUUID();
      const { result: response, stderr } = await captureStderr(async () => {
        const sent = await send(running.url, { 'x-request-id': requestId });
        await new Promise((resolve) => setTimeout(resolve, 20));
        return sent;
      });
      assert.equal(response.broken, true, 'the client sees a cut-off body, not a complete 200');
      assert.equal(stderr, '');
      assert.deepEqual(printed, []);
      const line = capture.onlyReportFor(requestId);
      assert.equal((line.err as { message: string }).message, 'upstream stream failed');
      assert.equal(heard.length, 1, 'the app listener hears it once');
    } finally {
      console.error = originalConsoleError;
      await running.close();
    }
  });
});

describe('koa: with pino-http (as koa-pino-logger wires it)', () => {
  const capture = new LogCapture();
  let server: Running;
  before(async () => {
    const app = new Koa();
    const httpLogger = pinoHttp({ logger: capture.logger, quietReqLogger: true, customLogLevel: accessLogLevel, genReqId: () => randomUUID() });
    app.use(async (ctx, next) => {
      httpLogger(ctx.req, ctx.res);
      await next();
    });
    app.use(recover()); // no logger option: recover writes through pino-http's req.log
    app.use(routes().routes());
    server = await listen(app.callback());
  });
  after(async () => {
    await server.close();
  });

  it("logs through req.log with pino-http's request id, one error line per crash", async () => {
    const response = await send(`${server.url}/boom`);
    assert.equal(response.status, 500);
    const requestId = String(response.headers['x-request-id']);
    const [line, ...more] = capture.lines.filter((candidate) => candidate.requestId === requestId);
    assert.ok(line, 'recover wrote through the request logger');
    assert.equal(more.length, 0);
    assert.equal(line.reqId, requestId, "pino-http's binding and recover's requestId agree");
    await new Promise((resolve) => setImmediate(resolve)); // pino-http logs when the response finishes
    const errorLines = capture.lines.filter((candidate) => candidate.reqId === requestId && candidate.level >= 50);
    assert.equal(errorLines.length, 1, 'the access line of a reported crash is not a second error');
  });
});

describe("koa: malformed bodies are 4xx from @koa/bodyparser, not crashes", () => {
  const capture = new LogCapture();
  let server: Running;
  before(async () => {
    const app = new Koa();
    app.use(recover({ logger: capture.logger }));
    app.use(bodyParser({ jsonLimit: '1kb', enableTypes: ['json'] }));
    app.use((ctx) => { ctx.body = { ok: true }; });
    server = await listen(app.callback());
  });
  after(async () => {
    await server.close();
  });

  // No 415 case: @koa/bodyparser decodes an unknown charset as UTF-8 and skips types it was not asked to parse.
  for (const malformed of MALFORMED_JSON) {
    it(`${malformed.name}: ${malformed.status}, problem+json, logged at info without the body`, async () => {
      await assertRefused(`${server.url}/orders`, capture, malformed);
    });
  }
});

describe('koa: options', () => {
  const wrong: [string, unknown, RegExp][] = [
    ['stackSize: -1', { stackSize: -1 }, /"stackSize"/],
    ['bogus: 1', { bogus: 1 }, /"bogus"/],
    ['render: "html"', { render: 'html' }, /"render"/],
  ];
  for (const [label, options, name] of wrong) {
    it(`recover({ ${label} }) throws a TypeError naming the option`, () => {
      assert.throws(() => recover(options as RecoverOptions), (error: unknown) => error instanceof TypeError && name.test(error.message));
    });
  }
});
