import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import Fastify, { LogController } from 'fastify';
import { LogCapture } from '@recover/test-support/capture';
import { send } from '@recover/test-support/http';

type Module = typeof import('@recover/fastify');

const esm: Module = await import('@recover/fastify');
const cjs = createRequire(import.meta.url)('@recover/fastify') as Module;

for (const [label, loaded] of [['import()', esm], ['require()', cjs]] as const) {
  describe(`exports via ${label}`, () => {
    it('the default export and the named recover are the same plugin', () => {
      assert.equal(typeof loaded.recover, 'function');
      assert.equal(loaded.default, loaded.recover);
    });

    it("is a fastify-plugin named '@recover/fastify'", () => {
      const plugin = loaded.recover as unknown as Record<symbol, unknown>;
      assert.equal(plugin[Symbol.for('fastify.display-name')], '@recover/fastify');
      assert.equal(plugin[Symbol.for('skip-override')], true, 'not encapsulated: the error handler is app-wide');
    });

    it('exports classifyError, the default classification users extend', () => {
      assert.equal(loaded.classifyError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 'transient');
      assert.equal(loaded.classifyError(new TypeError('x is undefined')), 'bug');
    });

    const capture = new LogCapture();
    const app = Fastify({ loggerInstance: capture.logger, logController: new LogController({ disableRequestLogging: true }) });
    after(async () => {
      await app.close();
    });

    it('registers and answers an error with problem+json', async () => {
      await app.register(loaded.default);
      app.get('/boom', () => {
        throw new Error('boom');
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const response = await send(`http://127.0.0.1:${port}/boom`);
      assert.equal(response.status, 500);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(capture.lines.filter((line) => 'trace_id' in line).length, 1);
    });
  });
}
