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

type Core = typeof import('@recover/core');

const require = createRequire(import.meta.url);
const esm: Core = await import('@recover/core');
const cjs = require('@recover/core') as Core;

installTelemetry();
const tracer = trace.getTracer('exports.test');

/** The public functions (and classes) of a build, by name. */
function functionNames(module: object): string[] {
  return Object.entries(module)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name)
    .sort();
}

const PUBLIC_FUNCTIONS = [
  'ThrownValue',
  'accessLogLevel',
  'bindToRequest',
  'createRecover',
  'currentJob',
  'currentRequest',
  'defaultLevel',
  'enableRequestContext',
  'escapeHtml',
  'guard',
  'isClientGone',
  'isDraining',
  'isLogger',
  'loggableUrl',
  'negotiate',
  'normalize',
  'parseTraceparent',
  'readiness',
  'renderBody',
  'requestLogger',
  'resolveOptions',
  'sendErrorResponse',
  'statusOf',
  'statusText',
  'traceresponse',
  'truncateBytes',
  'wasReported',
  'watchEscapedErrors',
];

describe('exports: both builds', () => {
  it('import() loads the ES module build and require() the CommonJS build', () => {
    assert.match(fileURLToPath(import.meta.resolve('@recover/core')), /[\\/]packages[\\/]core[\\/]dist[\\/]index\.js$/);
    assert.match(require.resolve('@recover/core'), /[\\/]packages[\\/]core[\\/]dist[\\/]index\.cjs$/);
    assert.notEqual(esm.createRecover, cjs.createRecover, 'two builds, not one module loaded twice');
  });

  it('expose the same function names, and exactly the public API', () => {
    assert.deepEqual(functionNames(esm), functionNames(cjs));
    assert.deepEqual(functionNames(esm), PUBLIC_FUNCTIONS);
  });

  it('expose the same constants', () => {
    assert.equal(esm.ERROR_COUNTER, 'recover.errors');
    assert.equal(cjs.ERROR_COUNTER, esm.ERROR_COUNTER);
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

    it('normalizes, negotiates and validates like the other build', () => {
      assert.equal(core.normalize(null).error.type, 'null');
      assert.equal(core.negotiate('text/html'), 'html');
      assert.throws(() => core.resolveOptions({ stackSize: -1 }), /"stackSize"/);
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

  it('a ThrownValue made by one build is unwrapped by the other', () => {
    assert.equal(esm.normalize(new cjs.ThrownValue(null)).error.type, 'null');
    assert.equal(cjs.normalize(new esm.ThrownValue(undefined)).error.type, 'undefined');
  });
});
