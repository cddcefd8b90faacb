import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import Fastify, { LogController } from 'fastify';
import recover from '@recover/fastify';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { send } from '@recover/test-support/http';
import { waitFor } from '@recover/test-support/wait';

/** Fails at once (`early`), before Fastify sends headers, or after a first chunk has gone out. */
function failingPayload(early: boolean): Readable {
  let reads = 0;
  return new Readable({
    read() {
      reads += 1;
      if (early) this.destroy(new Error('no such export'));
      else if (reads === 1) this.push('x'.repeat(32 * 1024));
      else setTimeout(() => { this.destroy(new Error('cursor died mid-body')); }, 5);
    },
  });
}

async function server(t: TestContext, capture: LogCapture): Promise<string> {
  const app = Fastify({ loggerInstance: capture.logger, logController: new LogController({ disableRequestLogging: true }) });
  await app.register(recover);
  app.get('/late', (_request, reply) => reply.send(failingPayload(false)));
  app.get('/early', (_request, reply) => reply.send(failingPayload(true)));
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const address = app.server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

const reports = (capture: LogCapture) => capture.lines.filter((line) => 'err' in line && 'trace_id' in line);

describe('fastify: reply.send(stream) that fails', () => {
  it('after the headers: the response is cut and the error reported once, at error, with its trace', async (t) => {
    const capture = new LogCapture();
    const response = await send(`${await server(t, capture)}/late`);
    assert.equal(response.broken, true);
    const line = await waitFor(() => reports(capture)[0], 'the report');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(reports(capture).length, 1);
    assert.equal((line.err as LogLine).message, 'cursor died mid-body');
    assert.equal(line.level, 50);
    assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
  });

  it('before the headers: still answered 500 by the error handler, and reported once', async (t) => {
    const capture = new LogCapture();
    const response = await send(`${await server(t, capture)}/early`);
    assert.equal(response.status, 500);
    assert.equal(response.broken, false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(reports(capture).length, 1);
    assert.equal((reports(capture)[0]?.err as LogLine | undefined)?.message, 'no such export');
  });
});
