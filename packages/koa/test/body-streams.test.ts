import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import Koa from 'koa';
import { recover } from '@recover/koa';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { listen, send } from '@recover/test-support/http';
import { waitFor } from '@recover/test-support/wait';

/** Sends a chunk, then fails from a timer: a cursor that dies mid-body. */
function failingBody(): Readable {
  let reads = 0;
  return new Readable({
    read() {
      reads += 1;
      if (reads === 1) this.push('x'.repeat(32 * 1024));
      else setTimeout(() => { this.destroy(new Error('cursor died mid-body')); }, 5);
    },
  });
}

/** A Koa app whose body stream a middleware replaces with another stream, piped, as koa-compress does. */
async function replacing(t: TestContext, capture: LogCapture): Promise<string> {
  const app = new Koa();
  app.use(recover({ logger: capture.logger }));
  app.use(async (ctx, next) => {
    await next();
    const original = ctx.body as Readable;
    const replacement = new PassThrough();
    ctx.body = replacement;
    original.pipe(replacement);
  });
  app.use((ctx) => { ctx.body = failingBody(); });
  const running = await listen(app.callback());
  t.after(running.close);
  return running.url;
}

describe('koa: a body stream replaced by another stream', () => {
  it("reports the original's error once, at error, instead of the replacement's premature close", async (t) => {
    const capture = new LogCapture();
    const response = await send(await replacing(t, capture));
    assert.equal(response.broken, true, 'the response is cut, not completed');
    const line = await waitFor(() => capture.lines.find((candidate) => 'err' in candidate), 'the report');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(capture.lines.filter((candidate) => 'err' in candidate).length, 1);
    assert.equal((line.err as LogLine).message, 'cursor died mid-body');
    assert.equal(line.level, 50);
  });
});
