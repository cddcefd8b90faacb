import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { send } from '@recover/test-support/http';
import { installTelemetry } from '@recover/test-support/otel';

type Public = typeof import('@recover/core');
type ForAdapters = typeof import('@recover/core/adapter');
type Core = Public & ForAdapters;

const require = createRequire(import.meta.url);
const esmPublic: Public = await import('@recover/core');
const esmAdapter: ForAdapters = await import('@recover/core/adapter');
const cjsPublic = require('@recover/core') as Public;
const cjsAdapter = require('@recover/core/adapter') as ForAdapters;
const esm: Core = { ...esmPublic, ...esmAdapter };
const cjs: Core = { ...cjsPublic, ...cjsAdapter };

installTelemetry();
const tracer = trace.getTracer('exports.test');

/** The functions (and classes) a module exports, by name. */
function functionNames(module: object): string[] {
  return Object.entries(module)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name)
    .sort();
}

/** What users call: `@recover/core`. */
const PUBLIC_FUNCTIONS = ['accessLogLevel', 'bindToRequest', 'classifyError', 'currentJob', 'defaultLevel', 'guard', 'renderBody', 'wasReported'];

/** What adapters need: `@recover/core/adapter`. Nothing is exported only for tests. */
const ADAPTER_FUNCTIONS = [
  'ThrownValue',
  'callAndWatch',
  'createRecover',
  'currentRequest',
  'dropRepresentationHeaders',
  'droppedOnError',
  'enableRequestContext',
  'enterHttp2Request',
  'isAbort',
  'isDraining',
  'isPromiseLike',
  'isQuarantining',
  'isStream',
  'nodeRequire',
  'quarantined',
  'readiness',
  'requestLogger',
  'sendErrorResponse',
  'watchEscapedErrors',
  'watchNewServers',
];

describe('exports: both builds', () => {
  it('import() loads the ES module build and require() the CommonJS build', () => {
    assert.match(fileURLToPath(import.meta.resolve('@recover/core')), /[\\/]packages[\\/]core[\\/]dist[\\/]index\.js$/);
    assert.match(require.resolve('@recover/core'), /[\\/]packages[\\/]core[\\/]dist[\\/]index\.cjs$/);
    assert.match(fileURLToPath(import.meta.resolve('@recover/core/adapter')), /[\\/]packages[\\/]core[\\/]dist[\\/]adapter\.js$/);
    assert.match(require.resolve('@recover/core/adapter'), /[\\/]packages[\\/]core[\\/]dist[\\/]adapter\.cjs$/);
    assert.notEqual(esm.createRecover, cjs.createRecover, 'two builds, not one module loaded twice');
  });

  it('expose the same function names, and exactly the public API', () => {
    assert.deepEqual(functionNames(esmPublic), functionNames(cjsPublic));
    assert.deepEqual(functionNames(esmPublic), PUBLIC_FUNCTIONS);
  });

  it('expose the same function names, and exactly the adapters\' API', () => {
    assert.deepEqual(functionNames(esmAdapter), functionNames(cjsAdapter));
    assert.deepEqual(functionNames(esmAdapter), ADAPTER_FUNCTIONS);
  });

  it('expose the same constants', () => {
    assert.equal(esm.ERROR_COUNTER, 'recover.errors');
    assert.equal(cjs.ERROR_COUNTER, esm.ERROR_COUNTER);
    assert.equal(esm.QUARANTINE_COUNTER, 'recover.quarantine');
    assert.equal(cjs.QUARANTINE_COUNTER, esm.QUARANTINE_COUNTER);
  });
});

for (const [label, id, core] of [['import()', 'esm', esm], ['require()', 'cjs', cjs]] as const) {
  describe(`exports via ${label}: the build works on a real server`, () => {
    const capture = new LogCapture();
    let server: Server;
    let url: string;
    before(async () => {
      const recover = core.createRecover({ logger: capture.logger });
      server = createServer((request, response) => {
        const run = () => {
          const thrown = request.url === '/http' ? Object.assign(new Error('gone'), { status: 410, expose: true }) : new TypeError('broken');
          const answer = recover.handle(thrown, { request, response, route: request.url ?? '/' });
          if (answer) core.sendErrorResponse(response, answer);
        };
        if (request.url === '/span') tracer.startActiveSpan(`exports ${label}`, (span) => {
          run();
          span.end();
        });
        else run();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('answers a TypeError with a 500 problem and one log line', async () => {
      const response = await send(`${url}/boom`, { 'x-request-id': `${id}-500` });
      assert.equal(response.status, 500);
      assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.ok(!response.body.includes('broken'));
      const lines = capture.reportsFor(`${id}-500`);
      assert.equal(lines.length, 1);
      assert.equal((lines[0] as LogLine & { err: { type: string } }).err.type, 'TypeError');
    });

    it('answers an exposed 410 with its message', async () => {
      const response = await send(`${url}/http`, { accept: 'text/plain' });
      assert.equal(response.status, 410);
      assert.match(response.body, /^410 Gone\ngone\n/);
    });

    it('finds the OpenTelemetry API and uses the active span ids', async () => {
      const response = await send(`${url}/span`, { 'x-request-id': `${id}-span` });
      const [line] = capture.reportsFor(`${id}-span`) as [LogLine];
      assert.equal(response.headers['traceresponse'], `00-${String(line.trace_id)}-${String(line.span_id)}-01`, 'sampled: the span is the source');
    });

    it('answers by Accept and validates options like the other build', async () => {
      assert.match((await send(`${url}/boom`, { accept: 'text/html' })).headers['content-type'] as string, /^text\/html/);
      assert.throws(() => core.createRecover({ stackSize: -1 }), /"stackSize"/);
    });
  });
}

describe('exports: the two builds share state where a user mixes them', () => {
  it('a response reported through the ES module build is seen as reported by the CommonJS accessLogLevel', async () => {
    const capture = new LogCapture();
    const recover = esm.createRecover({ logger: capture.logger });
    const levels: string[] = [];
    const server = createServer((request, response) => {
      const answer = recover.handle(new Error('mixed builds'), { request, response });
      if (answer) esm.sendErrorResponse(response, answer);
      levels.push(cjs.accessLogLevel(request, response), String(cjs.wasReported(response)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await send(`http://127.0.0.1:${port}/`);
      assert.equal(response.status, 500);
      assert.deepEqual(levels, ['info', 'true'], 'pino-http would log the access line at info, not a second error');
    } finally {
      server.close();
    }
  });

  it('a ThrownValue made by one build is unwrapped by the other', async () => {
    const capture = new LogCapture();
    const fromCjs = esm.createRecover({ logger: capture.logger });
    const fromEsm = cjs.createRecover({ logger: capture.logger });
    const server = createServer((request, response) => {
      const [recover, thrown] = request.url === '/cjs' ? [fromCjs, new cjs.ThrownValue(null)] : [fromEsm, new esm.ThrownValue(undefined)];
      const answer = recover.handle(thrown, { request, response });
      if (answer) esm.sendErrorResponse(response, answer);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await send(`http://127.0.0.1:${port}/cjs`, { 'x-request-id': 'thrown-cjs' });
      await send(`http://127.0.0.1:${port}/esm`, { 'x-request-id': 'thrown-esm' });
      const typeOf = (id: string) => (capture.onlyReportFor(id).err as { type: string }).type;
      assert.equal(typeOf('thrown-cjs'), 'null');
      assert.equal(typeOf('thrown-esm'), 'undefined');
    } finally {
      server.close();
    }
  });
});
