import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse, createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { Socket, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { send } from '@recover/test-support/http';

type Module = typeof import('@recover/express');

const esm: Module = await import('@recover/express');
const cjs = createRequire(import.meta.url)('@recover/express') as Module;

// The CommonJS build is exercised first, on a real server, before the ES module build's recover() runs.
describe('exports: the CommonJS build works on a real server', () => {
  const capture = new LogCapture();
  let server: Server;
  let url: string;
  before(async () => {
    const app = express();
    app.get('/null', () => {
      throw null;
    });
    const api = express.Router();
    api.get('/items/:id', () => {
      throw new Error('item lookup failed');
    });
    app.use('/api', api);
    app.use(cjs.recover({ logger: capture.logger }));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers a sync throw null with 500 problem+json', async () => {
    const response = await send(`${url}/null`, { 'x-request-id': 'cjs-null' });
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    const [line] = capture.reportsFor('cjs-null') as [LogLine];
    assert.equal((line.err as { type: string }).type, 'null');
  });

  it('logs the mounted route', async () => {
    const response = await send(`${url}/api/items/1`, { 'x-request-id': 'cjs-route' });
    assert.equal(response.status, 500);
    const [line] = capture.reportsFor('cjs-route') as [LogLine];
    assert.equal((line.req as { route: string }).route, '/api/items/:id');
  });
});

for (const [label, loaded] of [['import()', esm], ['require()', cjs]] as const) {
  describe(`exports via ${label}`, () => {
    it('exports recover, an Express error handler (four parameters)', () => {
      assert.equal(typeof loaded.recover, 'function');
      assert.equal(loaded.recover().length, 4, 'Express only treats four-parameter middleware as an error handler');
    });

    it('validates options', () => {
      assert.throws(() => loaded.recover({ stackSize: -1 }), TypeError);
    });

    it('exports accessLogLevel for pino-http', () => {
      assert.equal(typeof loaded.accessLogLevel, 'function');
      const response = new ServerResponse(new IncomingMessage(new Socket()));
      response.statusCode = 503;
      assert.equal(loaded.accessLogLevel(undefined, response), 'error');
    });

    it('exports classifyError, the default classification users extend', () => {
      assert.equal(loaded.classifyError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), 'transient');
      assert.equal(loaded.classifyError(new TypeError('x is undefined')), 'bug');
    });
  });
}

it('import() and require() resolve to different builds (ESM and CommonJS)', () => {
  assert.notEqual(esm.recover, cjs.recover);
});
