import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { pino } from 'pino';
import { pinoHttp, type Options as PinoHttpOptions } from 'pino-http';
import { requestLogger } from '@recover/core/adapter';
import { LogCapture } from '@recover/test-support/capture';
import { listen, send } from '@recover/test-support/http';

/** The `req.log` pino-http gives a real request, with the given options. */
async function pinoHttpRequestLog(options: PinoHttpOptions): Promise<unknown> {
  const middleware = pinoHttp(options);
  let log: unknown;
  const running = await listen((request: IncomingMessage, response: ServerResponse) => {
    middleware(request, response);
    log = (request as IncomingMessage & { log?: unknown }).log;
    response.end('ok');
  });
  try {
    await send(`${running.url}/`, { authorization: 'Bearer secret-token', cookie: 'session=secret' });
  } finally {
    await running.close();
  }
  return log;
}

describe('requestLogger: which per-request logger recover writes through', () => {
  it('accepts a pino logger and a pino child with an id bound', () => {
    const logger = pino({ enabled: false });
    assert.equal(requestLogger(logger), logger);
    const child = logger.child({ reqId: 7 });
    assert.equal(requestLogger(child), child);
  });

  it('accepts a child whose bindings hold a "req" key only nested, or "req" inside a value', () => {
    const logger = pino({ enabled: false });
    const nested = logger.child({ ctx: { req: 1 } });
    assert.equal(requestLogger(nested), nested);
    const quoted = logger.child({ reqId: 'abc"req":{}' });
    assert.equal(requestLogger(quoted), quoted);
  });

  it("accepts pino-http's req.log in quietReqLogger mode (only the id is bound)", async () => {
    const capture = new LogCapture();
    const log = await pinoHttpRequestLog({ logger: capture.logger, quietReqLogger: true });
    assert.ok(log !== undefined);
    assert.equal(requestLogger(log), log);
  });

  it("refuses pino-http's default req.log, which carries the request's headers in every line", async () => {
    const capture = new LogCapture();
    const log = await pinoHttpRequestLog({ logger: capture.logger });
    assert.ok(log !== undefined);
    assert.equal(requestLogger(log), undefined);
    // The reason: a line written through it holds the credentials.
    (log as { info(msg: string): void }).info('probe');
    assert.ok(capture.raw.some((line) => line.includes('secret-token')));
  });

  it("refuses Fastify's no-op logger (logger: false), so a report is not silently dropped", async () => {
    const app = Fastify({ logger: false });
    let log: unknown;
    app.get('/', (request) => {
      log = request.log;
      return 'ok';
    });
    await app.inject('/');
    await app.close();
    assert.ok(log !== undefined);
    assert.equal(requestLogger(log), undefined);
  });

  it('refuses values that are not loggers', () => {
    for (const value of [undefined, null, 'log', {}, { error() {}, warn() {} }]) assert.equal(requestLogger(value), undefined);
  });
});
