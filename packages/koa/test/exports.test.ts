import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import Koa from 'koa';
import { LogCapture } from '@recover/test-support/capture';
import { send } from '@recover/test-support/http';

type Module = typeof import('@recover/koa');

const esm: Module = await import('@recover/koa');
const cjs = createRequire(import.meta.url)('@recover/koa') as Module;

for (const [label, loaded] of [['import()', esm], ['require()', cjs]] as const) {
  describe(`exports via ${label}`, () => {
    it('exports recover, which validates options', () => {
      assert.equal(typeof loaded.recover, 'function');
      assert.throws(() => loaded.recover({ stackSize: -1 }), TypeError);
    });

    it('exports classifyError, the default classification users extend', () => {
      assert.equal(loaded.classifyError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 'transient');
      assert.equal(loaded.classifyError(new TypeError('x is undefined')), 'bug');
    });

    const server = createServer();
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('answers an error with problem+json on a real server', async () => {
      const capture = new LogCapture();
      const app = new Koa();
      app.use(loaded.recover({ logger: capture.logger }));
      app.use(() => {
        throw new Error('boom');
      });
      const handle = app.callback();
      server.on('request', (request: IncomingMessage, response: ServerResponse) => {
        void handle(request, response);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const response = await send(`http://127.0.0.1:${port}/`);
      assert.equal(response.status, 500);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(capture.lines.filter((line) => 'trace_id' in line).length, 1);
    });
  });
}

it('import() and require() resolve to different builds (ESM and CommonJS)', () => {
  assert.notEqual(esm.recover, cjs.recover);
});
