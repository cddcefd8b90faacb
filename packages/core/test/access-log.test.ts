import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { pinoHttp } from 'pino-http';
import { accessLogLevel } from '@recover/core';
import { createRecover, sendErrorResponse } from '@recover/core/adapter';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { listen, send } from '@recover/test-support/http';
import { waitFor } from '@recover/test-support/wait';

/** pino-http in front of a handler that fails with `thrown()`, recover answering: its access line and recover's. */
async function accessLine(t: TestContext, thrown: () => unknown): Promise<{ access: LogLine; lines: LogLine[] }> {
  const capture = new LogCapture();
  const recover = createRecover({ logger: capture.logger });
  const http = pinoHttp({ logger: capture.logger, customLogLevel: accessLogLevel });
  const running = await listen((request, response) => {
    http(request, response);
    const answer = recover.handle(thrown(), { request, response });
    if (answer) sendErrorResponse(response, answer);
  });
  t.after(running.close);
  await send(running.url);
  const access = await waitFor(() => capture.lines.find((line) => line.msg === 'request errored' || line.msg === 'request completed'), 'the access line');
  return { access, lines: capture.lines };
}

describe('pino-http sees the error recover answered', () => {
  it("its access line carries the real error's type and message, at info: the crash stays one error line", async (t) => {
    const { access, lines } = await accessLine(t, () => new RangeError('ledger out of range'));
    assert.equal(access.msg, 'request errored');
    const err = access.err as { type: string; message: string; stack: string };
    assert.equal(err.type, 'RangeError');
    assert.equal(err.message, 'ledger out of range');
    assert.match(err.stack, /ledger out of range/);
    assert.equal(access.level, 30);
    assert.equal(lines.filter((line) => line.level >= 50).length, 1, 'one error-level line: recover’s');
  });

  it('gets a copy rebuilt from the report: no parser body, no getter, no Proxy trap reaches the access line', async (t) => {
    const parserError = () => Object.defineProperty(
      Object.assign(new SyntaxError('Unexpected end of JSON input'), { status: 500, body: '{"card":"4111 1111 1111 1111"' }),
      'secret',
      { enumerable: true, get() { throw new Error('getter ran'); } },
    );
    const { access } = await accessLine(t, parserError);
    assert.equal((access.err as { type: string }).type, 'SyntaxError');
    // The card number with its spaces: a timestamp or port can hold 4111, not this.
    assert.doesNotMatch(JSON.stringify(access), /4111 1111|getter ran/);
    const proxy = await accessLine(t, () => new Proxy(new Error('trap'), { get() { throw new Error('trap ran'); } }));
    assert.equal((proxy.access.err as { type: string }).type, 'Proxy');
  });

  it('is not told about a 4xx: its line stays "request completed"', async (t) => {
    const { access } = await accessLine(t, () => Object.assign(new Error('no such widget'), { status: 404 }));
    assert.equal(access.msg, 'request completed');
    assert.equal((access.res as ServerResponse & { statusCode: number }).statusCode, 404);
  });
});
