import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import createError from 'http-errors';
import { pino } from 'pino';
import { ERROR_COUNTER, accessLogLevel, wasReported, type RecoverReport, type SerializedError } from '@recover/core';
import { ThrownValue, createRecover, isDraining, sendErrorResponse, type ErrorResponse, type Exchange, type Recover } from '@recover/core/adapter';
import { LogCapture, captureStderr, type LogLine } from '@recover/test-support/capture';
import { listen, send, type RawResponse } from '@recover/test-support/http';
import { installTelemetry } from '@recover/test-support/otel';

const telemetry = installTelemetry();
const tracer = trace.getTracer('recover.test');

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN}-01`;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
type Extra = Omit<Exchange, 'request' | 'response'>;

/** A real HTTP server on 127.0.0.1, closed when the test ends. Returns its base URL. */
async function serve(t: TestContext, handler: Handler): Promise<string> {
  const running = await listen(handler);
  t.after(running.close);
  return running.url;
}

/** What an adapter does: hand the error to recover and write the answer it returns. */
function answer(recover: Recover, thrown: unknown, request: IncomingMessage, response: ServerResponse, extra: Extra = {}): ErrorResponse | undefined {
  const result = recover.handle(thrown, { request, response, ...extra });
  if (result) sendErrorResponse(response, result);
  return result;
}

/** A server whose every request fails with `thrown()`. */
function failing(t: TestContext, recover: Recover, thrown: () => unknown, extra: Extra = {}): Promise<string> {
  return serve(t, (request, response) => {
    answer(recover, thrown(), request, response, extra);
  });
}

const errOf = (line: LogLine): SerializedError => line.err as SerializedError;
const tick = () => new Promise((resolve) => setImmediate(resolve));

interface Problem {
  title: string;
  status: number;
  detail?: string;
  traceId: string;
  requestId: string;
}
const problemOf = (response: RawResponse): Problem => JSON.parse(response.body) as Problem;

/** JSON lines written to stderr (recover's last-resort channel). */
function stderrLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('recover: the log line', () => {
  it('writes one line per error with ids, request, status and origin', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger });
    const url = await failing(t, recover, () => new RangeError('disk full on /var/lib/db'), { route: '/orders/:id' });

    const response = await send(`${url}/orders/7?expand=1`, { 'x-request-id': 'log-line-1', traceparent: TRACEPARENT }, 'POST');

    const lines = capture.reportsFor('log-line-1');
    assert.equal(lines.length, 1);
    const [line] = lines as [LogLine];
    assert.equal(line.level, 50, 'a 5xx is logged at error');
    assert.equal(line.msg, 'RangeError: disk full on /var/lib/db');
    assert.equal(errOf(line).type, 'RangeError');
    assert.match(errOf(line).stack ?? '', /disk full/);
    assert.equal(line.trace_id, TRACE_ID, 'joins the caller trace');
    assert.match(String(line.span_id), /^[0-9a-f]{16}$/);
    assert.notEqual(line.span_id, PARENT_SPAN);
    assert.equal(line.requestId, 'log-line-1');
    // content-length is on the default header allowlist; the request sent no user-agent or content-type.
    assert.deepEqual(line.req, { method: 'POST', url: '/orders/7?expand=1', route: '/orders/:id', headers: { 'content-length': '0' } });
    assert.equal(line.responseStatus, 500);
    assert.equal(line.origin, 'handler');

    assert.equal(response.status, 500);
    assert.equal(response.headers['traceresponse'], `00-${TRACE_ID}-${String(line.span_id)}-01`);
    assert.equal(response.headers['x-request-id'], 'log-line-1');
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.ok(!response.body.includes('disk full'), 'a 5xx body never shows the message');
    assert.deepEqual(problemOf(response), {
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      traceId: TRACE_ID,
      requestId: 'log-line-1',
    });
  });

  it('logs a 4xx at info', async (t) => {
    const capture = new LogCapture();
    const url = await failing(t, createRecover({ logger: capture.logger }), () => createError(404, 'no such order'));
    const response = await send(url, { 'x-request-id': 'info-404' });
    assert.equal(response.status, 404);
    const [line] = capture.reportsFor('info-404') as [LogLine];
    assert.equal(line.level, 30);
    assert.equal(line.responseStatus, 404);
  });

  it('logs the URL the adapter reports over a rewritten request.url', async (t) => {
    const capture = new LogCapture();
    const url = await failing(t, createRecover({ logger: capture.logger }), () => new Error('x'), { url: '/api/original' });
    await send(`${url}/rewritten`, { 'x-request-id': 'url-1' });
    const [line] = capture.reportsFor('url-1') as [LogLine];
    assert.equal((line.req as { url: string }).url, '/api/original');
  });

  it("bypasses the logger's own err and req serializers", async (t) => {
    const capture = new LogCapture();
    const logger = capture.logger.child({}, { serializers: { req: () => ({ replaced: true }), err: () => ({ replaced: true }) } });
    const url = await failing(t, createRecover({ logger }), () => null);
    await send(`${url}/null`, { 'x-request-id': 'serializers-1' });
    const [line] = capture.reportsFor('serializers-1') as [LogLine];
    assert.deepEqual(line.req, { method: 'GET', url: '/null' });
    assert.equal(errOf(line).type, 'null');
  });

  it("uses the exchange's request logger unless the logger option is set", async (t) => {
    const option = new LogCapture();
    const requestLogger = new LogCapture();
    const withOption = await failing(t, createRecover({ logger: option.logger }), () => new Error('a'), { logger: requestLogger.logger });
    const withoutOption = await failing(t, createRecover(), () => new Error('b'), { logger: requestLogger.logger });
    await send(withOption, { 'x-request-id': 'logger-option' });
    await send(withoutOption, { 'x-request-id': 'logger-request' });
    assert.equal(option.reportsFor('logger-option').length, 1);
    assert.equal(requestLogger.reportsFor('logger-option').length, 0);
    assert.equal(requestLogger.reportsFor('logger-request').length, 1);
  });

  it('honours the level option', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger, level: (status) => (status === 404 ? 'warn' : 'fatal') });
    const url = await serve(t, (request, response) => {
      answer(recover, request.url === '/missing' ? createError(404) : new Error('boom'), request, response);
    });
    await send(`${url}/missing`, { 'x-request-id': 'level-404' });
    await send(`${url}/boom`, { 'x-request-id': 'level-500' });
    assert.equal((capture.reportsFor('level-404')[0] as LogLine).level, 40);
    assert.equal((capture.reportsFor('level-500')[0] as LogLine).level, 60);
  });

  it('falls back to the default level when the level option throws or returns an unknown level', async (t) => {
    const capture = new LogCapture();
    const throwing = createRecover({
      logger: capture.logger,
      level: () => {
        throw new Error('level broke');
      },
    });
    const unknown = createRecover({ logger: capture.logger, level: () => 'verbose' as unknown as 'info' });
    const first = await failing(t, throwing, () => new Error('x'));
    const second = await failing(t, unknown, () => createError(400));
    assert.equal((await send(first, { 'x-request-id': 'level-throws' })).status, 500);
    assert.equal((await send(second, { 'x-request-id': 'level-unknown' })).status, 400);
    assert.equal((capture.reportsFor('level-throws')[0] as LogLine).level, 50);
    assert.equal((capture.reportsFor('level-unknown')[0] as LogLine).level, 30);
  });

  it('writes the line to stderr when the logger throws, and still answers', async (t) => {
    const broken = pino({ level: 'info' }, {
      write() {
        throw new Error('disk gone');
      },
    });
    const url = await failing(t, createRecover({ logger: broken }), () => new TypeError('lost?'));
    const { result: response, stderr } = await captureStderr(() => send(url, { 'x-request-id': 'fallback-1' }));
    assert.equal(response.status, 500);
    const line = stderrLines(stderr).find((entry) => entry.requestId === 'fallback-1');
    assert.ok(line, `no fallback line in ${stderr}`);
    assert.equal(line.recoverFallback, 'Error: disk gone');
    assert.equal((line.err as SerializedError).type, 'TypeError');
    assert.equal(line.level, 50);
  });

  it('writes the report to stderr once when a sync pino destination fails inside the write (a full disk)', { skip: process.platform !== 'linux' && 'needs /dev/full' }, async (t) => {
    const full = pino.destination({ dest: '/dev/full', sync: true }); // writeSync fails with ENOSPC inside logger.error()
    t.after(() => { full.destroy(); });
    const url = await failing(t, createRecover({ logger: pino({}, full) }), () => new RangeError('quota'));
    const { result: responses, stderr } = await captureStderr(async () => [
      await send(url, { 'x-request-id': 'enospc-sync-1' }),
      await send(url, { 'x-request-id': 'enospc-sync-2' }),
    ]);
    for (const response of responses) assert.equal(response.status, 500);
    for (const id of ['enospc-sync-1', 'enospc-sync-2']) {
      const lines = stderrLines(stderr).filter((entry) => entry.requestId === id);
      assert.equal(lines.length, 1, `one fallback line for ${id} in ${stderr}`);
      assert.match(String(lines[0]?.recoverFallback), /ENOSPC/);
    }
  });

  it('repeats the report on stderr when an async pino destination fails later (a full disk)', { skip: process.platform !== 'linux' && 'needs /dev/full' }, async (t) => {
    const full = pino.destination({ dest: '/dev/full', sync: false }); // every write fails with ENOSPC, in a callback
    t.after(() => { full.destroy(); });
    const url = await failing(t, createRecover({ logger: pino({}, full) }), () => new RangeError('quota'));
    const { result: response, stderr } = await captureStderr(async () => {
      const failed = once(full, 'error'); // recover's own listener has run by the time this resolves
      const answered = await send(url, { 'x-request-id': 'enospc-1' });
      await failed;
      return answered;
    });
    assert.equal(response.status, 500);
    const lines = stderrLines(stderr).filter((entry) => entry.requestId === 'enospc-1');
    assert.equal(lines.length, 1, `one fallback line in ${stderr}`);
    assert.match(String(lines[0]?.recoverFallback), /ENOSPC/);
    assert.equal((lines[0]?.err as SerializedError).type, 'RangeError');
  });
});

describe('recover: attacker-shaped error objects', () => {
  it('__proto__ and constructor keys (as JSON.parse makes them) pollute no prototype and become no header', async (t) => {
    // What a handler rethrows when it passes a parsed upstream error body along.
    const thrown = () => JSON.parse(`{
      "status": 429, "expose": true, "message": "slow down",
      "__proto__": { "polluted": "error-proto" },
      "headers": {
        "__proto__": { "polluted": "headers-proto" },
        "constructor": { "prototype": { "polluted": "constructor" } },
        "Retry-After": "7",
        "x-evil": "a\\r\\nSet-Cookie: session=stolen"
      }
    }`) as unknown;
    const capture = new LogCapture();
    const url = await failing(t, createRecover({ logger: capture.logger }), thrown);
    const response = await send(url, { 'x-request-id': 'pollution-1' });
    assert.equal(response.status, 429);
    assert.equal(response.headers['retry-after'], '7', 'a plain header of the error is kept');
    assert.equal(response.headers['set-cookie'], undefined, 'CR/LF in a header value injects nothing');
    assert.equal(response.headers['x-evil'], undefined, 'a header value with CR/LF is dropped');
    assert.ok(!Object.hasOwn(response.headers, 'constructor'), 'no constructor header was sent');
    assert.ok(!Object.hasOwn(response.headers, '__proto__'), 'no __proto__ header was sent');
    for (const probe of [{}, Object.create(Error.prototype) as object, new Error('x'), []]) {
      assert.equal((probe as { polluted?: unknown }).polluted, undefined, 'no prototype gained a property');
    }
    assert.equal((JSON.parse(response.body) as Problem).detail, 'slow down');
    assert.equal(capture.onlyReportFor('pollution-1').level, 30);
  });

  it('getters and Proxy traps on an error and its headers never run while it is reported', async (t) => {
    let ran = 0;
    const trap = () => { ran += 1; throw new Error('trap ran'); };
    const thrown = () => {
      const error = new Error('getter host') as Error & Record<string, unknown>;
      Object.defineProperty(error, 'status', { get: trap, enumerable: true });
      Object.defineProperty(error, 'cause', { get: trap, enumerable: true });
      error.headers = new Proxy({}, { get: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap, has: trap });
      return error;
    };
    const capture = new LogCapture();
    const url = await failing(t, createRecover({ logger: capture.logger }), thrown);
    const response = await send(url, { 'x-request-id': 'getters-1' });
    assert.equal(response.status, 500);
    assert.equal(ran, 0, 'no getter or trap ran');
    assert.equal(errOf(capture.onlyReportFor('getters-1')).message, 'getter host');
  });
});

describe('recover: once per (response, thrown)', () => {
  it('an error handled twice on the same response is logged once', async (t) => {
    const capture = new LogCapture();
    const reports: RecoverReport[] = [];
    const recover = createRecover({ logger: capture.logger, onError: (report) => void reports.push(report) });
    const url = await serve(t, (request, response) => {
      const thrown = new Error('seen by two layers');
      recover.handle(thrown, { request, response });
      answer(recover, thrown, request, response);
    });
    const response = await send(url, { 'x-request-id': 'twice-1' });
    assert.equal(response.status, 500);
    assert.equal(capture.reportsFor('twice-1').length, 1);
    assert.equal(reports.length, 1, 'onError runs once too');
  });

  it('two different errors on the same response are both logged', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger });
    const url = await serve(t, (request, response) => {
      recover.handle(new Error('first'), { request, response });
      answer(recover, new Error('second'), request, response);
    });
    await send(url, { 'x-request-id': 'two-errors' });
    assert.deepEqual(
      capture.reportsFor('two-errors').map((line) => errOf(line).message),
      ['first', 'second'],
    );
  });

  it('a connection that died is one event: a second client-gone error on a reported response is not logged again', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger });
    let handled: () => void = () => undefined;
    const both = new Promise<void>((resolve) => { handled = resolve; });
    const url = await serve(t, (request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('partial ');
      request.socket.destroy();
      // A pipeline into the response rejects, and the framework's own onerror sees the close too: two objects.
      const closed = () => Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
      recover.handle(closed(), { request, response });
      recover.handle(closed(), { request, response });
      handled();
    });
    await send(url, { 'x-request-id': 'gone-twice' });
    await both;
    assert.equal(capture.reportsFor('gone-twice').length, 1);
    assert.equal(capture.onlyReportFor('gone-twice').level, 30);
  });

  it('the same error object on two different responses is logged twice', async (t) => {
    const capture = new LogCapture();
    const shared = new Error('module-level error');
    const url = await failing(t, createRecover({ logger: capture.logger }), () => shared);
    await send(url, { 'x-request-id': 'shared-a' });
    await send(url, { 'x-request-id': 'shared-b' });
    assert.equal(capture.reportsFor('shared-a').length, 1);
    assert.equal(capture.reportsFor('shared-b').length, 1);
  });
});

describe('recover: what the client sees', () => {
  it('answers browsers in HTML, with an exposed <script> message escaped', async (t) => {
    const url = await failing(t, createRecover({ logger: new LogCapture().logger }), () => createError(400, '<script>alert(1)</script>'));
    const response = await send(url, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    assert.equal(response.status, 400);
    assert.equal(response.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(response.headers['content-security-policy'], "default-src 'none'");
    assert.ok(!response.body.includes('<script>'));
    assert.ok(response.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });

  it('answers text/plain without letting the message forge lines', async (t) => {
    const url = await failing(t, createRecover({ logger: new LogCapture().logger }), () =>
      createError(400, 'bad\r\nrequestId: forged'),
    );
    const response = await send(url, { accept: 'text/plain', 'x-request-id': 'text-1' });
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8');
    assert.ok(!response.body.includes('\r'));
    assert.deepEqual(
      response.body.split('\n').filter((line) => line.startsWith('requestId:')),
      ['requestId: text-1'],
    );
  });

  it('shows a 4xx message only when the error says expose: true', async (t) => {
    const recover = createRecover({ logger: new LogCapture().logger });
    const url = await serve(t, (request, response) => {
      const thrown =
        request.url === '/exposed'
          ? createError(422, 'email is required')
          : Object.assign(new Error('internal validator state'), { status: 422 });
      answer(recover, thrown, request, response);
    });
    const exposed = await send(`${url}/exposed`);
    const hidden = await send(`${url}/hidden`);
    assert.equal(problemOf(exposed).detail, 'email is required');
    assert.equal(hidden.status, 422);
    assert.equal(problemOf(hidden).detail, undefined);
    assert.ok(!hidden.body.includes('validator'));
  });

  it('never shows a 5xx message, even with expose: true or an expose option returning true', async (t) => {
    const recover = createRecover({ logger: new LogCapture().logger, expose: () => true });
    const url = await failing(t, recover, () => createError(503, 'db password is hunter2', { expose: true }));
    const response = await send(url);
    assert.equal(response.status, 503);
    assert.equal(problemOf(response).detail, undefined);
    assert.ok(!response.body.includes('hunter2'));
  });

  it('the expose option decides for 4xx, and a throwing expose option hides the message', async (t) => {
    const shows = createRecover({ logger: new LogCapture().logger, expose: (_thrown, status) => status === 409 });
    const throws = createRecover({
      logger: new LogCapture().logger,
      expose: () => {
        throw new Error('expose broke');
      },
    });
    const conflict = await failing(t, shows, () => Object.assign(new Error('version 3 is stale'), { status: 409 }));
    const broken = await failing(t, throws, () => createError(400, 'would be shown by default'));
    assert.equal(problemOf(await send(conflict)).detail, 'version 3 is stale');
    const response = await send(broken);
    assert.equal(response.status, 400);
    assert.equal(problemOf(response).detail, undefined);
  });

  it("sends an http-errors error's headers, but not headers recover owns", async (t) => {
    const recover = createRecover({ logger: new LogCapture().logger });
    const url = await failing(t, recover, () =>
      createError(401, 'log in', {
        headers: {
          'WWW-Authenticate': 'Basic realm="api"',
          'Set-Cookie': 'session=stolen',
          'Content-Type': 'text/html',
          'X-Request-Id': 'forged',
          'Bad Header': 'x',
        },
      }),
    );
    const response = await send(url, { 'x-request-id': 'headers-1' });
    assert.equal(response.status, 401);
    assert.equal(response.headers['www-authenticate'], 'Basic realm="api"');
    assert.equal(response.headers['set-cookie'], undefined);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.headers['x-request-id'], 'headers-1');
  });

  it('answers 500 for values that are not errors, including a revoked Proxy and a boxed null', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger });
    const values = new Map<string, () => unknown>([
      ['/revoked', () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      }],
      ['/boxed-null', () => new ThrownValue(null)],
      ['/symbol', () => Symbol('s')],
      ['/status-302', () => Object.assign(new Error('redirect?'), { status: 302 })],
    ]);
    const url = await serve(t, (request, response) => {
      answer(recover, (values.get(request.url ?? '') ?? (() => undefined))(), request, response);
    });
    const types: Record<string, string> = { '/revoked': 'Proxy', '/boxed-null': 'null', '/symbol': 'symbol', '/status-302': 'Error' };
    for (const [path, type] of Object.entries(types)) {
      const response = await send(`${url}${path}`, { 'x-request-id': `value${path.replaceAll('/', '-')}` });
      assert.equal(response.status, 500, path);
      const [line] = capture.reportsFor(`value${path.replaceAll('/', '-')}`) as [LogLine];
      assert.equal(errOf(line).type, type, path);
    }
  });
});

describe('recover: request ids', () => {
  it('adopts a well-formed x-request-id, and the framework id over it', async (t) => {
    const recover = createRecover({ logger: new LogCapture().logger });
    const plain = await failing(t, recover, () => new Error('x'));
    const framework = await failing(t, recover, () => new Error('x'), { requestId: 'fastify-req-9' });
    const numeric = await failing(t, recover, () => new Error('x'), { requestId: 17 });
    assert.equal((await send(plain, { 'x-request-id': 'abc-123:x/y' })).headers['x-request-id'], 'abc-123:x/y');
    assert.equal((await send(framework, { 'x-request-id': 'incoming' })).headers['x-request-id'], 'fastify-req-9');
    assert.equal((await send(numeric)).headers['x-request-id'], '17');
  });

  it('does not adopt an x-request-id with spaces, control characters or excessive length', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger });
    const forged = 'abc\r\n{"level":60,"msg":"forged"}';
    const url = await serve(t, (request, response) => {
      // CR/LF cannot cross Node's own parser; a lenient proxy or parser could still deliver it.
      if (request.url === '/crlf') request.headers['x-request-id'] = forged;
      answer(recover, new Error('x'), request, response);
    });
    const candidates: [path: string, header: string][] = [
      ['/spaces', 'has spaces here'],
      ['/crlf', 'placeholder'],
      ['/long', 'a'.repeat(200)],
      ['/quote', 'a"b'],
    ];
    for (const [path, header] of candidates) {
      const response = await send(`${url}${path}`, { 'x-request-id': header });
      const id = response.headers['x-request-id'];
      assert.match(String(id), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, `${path}: ${String(id)}`);
      const lines = capture.reportsFor(String(id));
      assert.equal(lines.length, 1, `${path}: the log line carries the same fresh id`);
    }
    assert.ok(!capture.raw.some((raw) => raw.includes('has spaces here') || raw.includes('forged')));
  });
});

describe('recover: classes of error', () => {
  const refused = () => new Error('query failed', { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }) });

  it('onError and render receive errorClass; a transient 503 says when to retry, jittered within [retryAfter, 1.5 × retryAfter]', async (t) => {
    const reports: RecoverReport[] = [];
    const recover = createRecover({ logger: new LogCapture().logger, retryAfter: 10, onError: (report) => void reports.push(report) });
    const url = await failing(t, recover, refused);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const response = await send(url);
      assert.equal(response.status, 503);
      assert.equal(problemOf(response).title, 'Service Unavailable');
      const retryAfter = String(response.headers['retry-after']);
      assert.match(retryAfter, /^\d+$/, 'whole seconds');
      assert.ok(Number(retryAfter) >= 10 && Number(retryAfter) <= 15, `Retry-After ${retryAfter}`);
      seen.add(retryAfter);
    }
    assert.ok(seen.size > 1, `jittered: ${[...seen].join(', ')}`);
    assert.ok(reports.every((report) => report.errorClass === 'transient' && report.status === 503));
  });

  it("a transient error keeps its own Retry-After, and its own status (logged at warn all the same)", async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger });
    const own = await failing(t, recover, () => Object.assign(refused(), { headers: { 'Retry-After': '120' } }));
    const first = await send(own, { 'x-request-id': 'own-retry-after' });
    assert.equal(first.status, 503);
    assert.equal(first.headers['retry-after'], '120');
    const status = await failing(t, recover, () => Object.assign(refused(), { status: 502 }));
    const response = await send(status, { 'x-request-id': 'own-status' });
    assert.equal(response.status, 502);
    assert.equal(response.headers['retry-after'], undefined);
    for (const id of ['own-retry-after', 'own-status']) {
      assert.equal(capture.onlyReportFor(id).level, 40);
      assert.equal(capture.onlyReportFor(id).errorClass, 'transient');
    }
  });

  it('a classify that throws, or returns something other than a class, leaves the default class, and says so on stderr', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({
      logger: capture.logger,
      classify: (thrown) => {
        if ((thrown as Error).message === 'query failed') throw new Error('classifier broke');
        return 'fatal' as never;
      },
    });
    const url = await serve(t, (request, response) => {
      answer(recover, request.url === '/refused' ? refused() : new Error('plain'), request, response);
    });
    const { result, stderr } = await captureStderr(async () => [await send(`${url}/refused`, { 'x-request-id': 'classify-threw' }), await send(`${url}/plain`, { 'x-request-id': 'classify-odd' })]);
    assert.deepEqual(result.map((response) => response.status), [503, 500]);
    assert.equal(capture.onlyReportFor('classify-threw').errorClass, 'transient');
    assert.equal(capture.onlyReportFor('classify-odd').errorClass, 'bug');
    assert.match(stderr, /recover: classify threw/);
    assert.match(stderr, /recover: classify returned an unusable value/);
  });

  it('a client that left stays 499 at info whatever classify says, and restarts nothing', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger, classify: () => 'corruption' });
    let done: (report: RecoverReport | undefined) => void = () => undefined;
    const handled = new Promise<RecoverReport | undefined>((resolve) => { done = resolve; });
    const url = await serve(t, (request, response) => {
      response.writeHead(200);
      response.write('partial');
      request.socket.destroy();
      recover.handle(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), { request, response });
      done(undefined);
    });
    await send(url, { 'x-request-id': 'gone-corrupt' });
    await handled;
    const line = capture.onlyReportFor('gone-corrupt');
    assert.equal(line.responseStatus, 499);
    assert.equal(line.level, 30);
    assert.equal(line.errorClass, 'transient');
    assert.equal(isDraining(), false, 'the process is not restarting');
  });

  it('corruption with process: false is a 500 at fatal, and the process is left alone', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger, process: false });
    const url = await failing(t, recover, () => Object.assign(new Error('index checksum mismatch'), { corruption: true }));
    const response = await send(url, { 'x-request-id': 'corrupt-no-policy' });
    assert.equal(response.status, 500);
    const line = capture.onlyReportFor('corrupt-no-policy');
    assert.equal(line.level, 60);
    assert.equal(line.errorClass, 'corruption');
    assert.equal(isDraining(), false);
  });
});

describe('recover: onError', () => {
  it('receives the report, with the thrown value untouched', async (t) => {
    const reports: RecoverReport[] = [];
    const thrown = Object.assign(new Error('to sentry'), { status: 502, extra: { orderId: 7 } });
    const recover = createRecover({ logger: new LogCapture().logger, onError: (report) => void reports.push(report) });
    const url = await failing(t, recover, () => thrown, { route: '/pay' });
    const response = await send(url, { 'x-request-id': 'hook-1' });
    assert.equal(reports.length, 1);
    const [report] = reports as [RecoverReport];
    assert.equal(report.thrown, thrown);
    assert.equal(report.status, 502);
    assert.equal(report.requestId, 'hook-1');
    assert.equal(report.error.message, 'to sentry');
    assert.equal(report.request?.route, '/pay');
    assert.equal(report.headersSent, false);
    assert.equal(report.expose, false);
    assert.equal(response.headers['traceresponse'], `00-${report.traceId}-${report.spanId}-00`);
  });

  it('a throwing onError is reported on stderr and does not break the response or the log line', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({
      logger: capture.logger,
      onError: () => {
        throw new Error('hook broke');
      },
    });
    const url = await failing(t, recover, () => createError(404, 'nope'));
    const { result: response, stderr } = await captureStderr(() => send(url, { 'x-request-id': 'hook-throws' }));
    assert.equal(response.status, 404);
    assert.equal(problemOf(response).detail, 'nope');
    assert.equal(capture.reportsFor('hook-throws').length, 1);
    const line = stderrLines(stderr).find((entry) => entry.requestId === 'hook-throws');
    assert.ok(line, `nothing on stderr: ${stderr}`);
    assert.match(String(line.msg), /onError threw/);
    assert.equal(line.recoverFallback, 'Error: hook broke');
  });

  it('a rejecting onError is reported on stderr and does not break the response', async (t) => {
    const recover = createRecover({
      logger: new LogCapture().logger,
      onError: async () => {
        await tick();
        throw new Error('queue unavailable');
      },
    });
    const url = await failing(t, recover, () => new Error('x'));
    const { result: response, stderr } = await captureStderr(async () => {
      const result = await send(url, { 'x-request-id': 'hook-rejects' });
      await tick();
      await tick();
      return result;
    });
    assert.equal(response.status, 500);
    const line = stderrLines(stderr).find((entry) => entry.requestId === 'hook-rejects');
    assert.ok(line, `nothing on stderr: ${stderr}`);
    assert.match(String(line.msg), /onError rejected/);
    assert.equal(line.recoverFallback, 'Error: queue unavailable');
  });
});

describe('recover: render option', () => {
  it('uses a custom body', async (t) => {
    const recover = createRecover({
      logger: new LogCapture().logger,
      render: (report, kind) => ({ contentType: 'text/x-custom', body: `custom ${report.status} ${kind}` }),
    });
    const url = await failing(t, recover, () => new Error('x'));
    const response = await send(url, { accept: 'application/json' });
    assert.equal(response.headers['content-type'], 'text/x-custom');
    assert.equal(response.body, 'custom 500 json');
    assert.equal(response.headers['content-length'], String(Buffer.byteLength('custom 500 json')));
  });

  it('a throwing render falls back to the default body, and says so on stderr', async (t) => {
    const recover = createRecover({
      logger: new LogCapture().logger,
      render: () => {
        throw new Error('template missing');
      },
    });
    const url = await failing(t, recover, () => createError(403, 'forbidden here'));
    const { result: response, stderr } = await captureStderr(() => send(url, { 'x-request-id': 'render-throws' }));
    assert.equal(response.status, 403);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.deepEqual(problemOf(response).detail, 'forbidden here');
    const line = stderrLines(stderr).find((entry) => entry.requestId === 'render-throws');
    assert.equal(line?.recoverFallback, 'Error: template missing');
  });

  it('a render returning no strings falls back to the default body', async (t) => {
    const recover = createRecover({
      logger: new LogCapture().logger,
      render: () => ({ contentType: 'text/html\r\nSet-Cookie: a=b', body: '<p>x</p>' }),
    });
    const url = await failing(t, recover, () => new Error('x'));
    const { result: response } = await captureStderr(() => send(url, { accept: 'text/plain' }));
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(response.headers['set-cookie'], undefined);
  });
});

describe('recover: headers already sent', () => {
  it('returns undefined, logs the error once and destroys the socket', async (t) => {
    const capture = new LogCapture();
    const reports: RecoverReport[] = [];
    const recover = createRecover({ logger: capture.logger, onError: (report) => void reports.push(report) });
    const results: (ErrorResponse | undefined)[] = [];
    const url = await serve(t, (request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('partial ', () => {
        results.push(recover.handle(new Error('stream failed'), { request, response }));
        results.push(recover.handle(new Error('stream failed again'), { request, response }));
      });
    });
    const response = await send(url, { 'x-request-id': 'sent-1' });
    assert.equal(response.status, 200, 'the client got the headers that were already sent');
    assert.equal(response.broken, true, 'the client sees a broken response, not a complete 200');
    assert.deepEqual(results, [undefined, undefined]);
    const lines = capture.reportsFor('sent-1');
    assert.equal(lines.length, 2);
    assert.equal(reports[0]?.headersSent, true);
  });
});

describe('recover: wasReported and accessLogLevel', () => {
  it('marks a response recover reported so the access line is info', async (t) => {
    const recover = createRecover({ logger: new LogCapture().logger });
    const seen: Record<string, unknown> = {};
    const url = await serve(t, (request, response) => {
      if (request.url === '/fails') {
        seen.before = wasReported(response);
        response.statusCode = 503;
        seen.levelBefore = accessLogLevel(request, response);
        answer(recover, new Error('x'), request, response);
        seen.after = wasReported(response);
        seen.levelAfter = accessLogLevel(request, response);
      } else {
        response.statusCode = request.url === '/missing' ? 404 : 200;
        seen[`level${request.url ?? ''}`] = accessLogLevel(request, response);
        response.end();
      }
    });
    await send(`${url}/fails`);
    await send(`${url}/missing`);
    await send(`${url}/ok`);
    assert.deepEqual(seen, {
      before: false,
      levelBefore: 'error',
      after: true,
      levelAfter: 'info',
      'level/missing': 'warn',
      'level/ok': 'info',
    });
  });

  it('an unreported response with an error passed in is error', async (t) => {
    let level: string | undefined;
    const url = await serve(t, (request, response) => {
      level = accessLogLevel(request, response, new Error('seen by the access logger only'));
      response.end();
    });
    await send(url);
    assert.equal(level, 'error');
  });
});

describe('recover: telemetry with the OpenTelemetry SDK', () => {
  /** A server whose handler runs inside an active span named `name`, ended after recover answered. */
  function traced(t: TestContext, recover: Recover, name: string, thrown: () => unknown, route: string): Promise<string> {
    return serve(t, (request, response) => {
      tracer.startActiveSpan(name, (span) => {
        answer(recover, thrown(), request, response, { route });
        span.end();
      });
    });
  }
  const finished = (name: string) => telemetry.spans.getFinishedSpans().filter((span) => span.name === name);

  it('a 5xx records an exception event and ERROR status on the active span, and logs its ids', async (t) => {
    const capture = new LogCapture();
    const url = await traced(t, createRecover({ logger: capture.logger }), 'span-5xx', () => new RangeError('out of range'), '/t5');
    const response = await send(url, { 'x-request-id': 'otel-5xx', traceparent: TRACEPARENT });
    const [span] = finished('span-5xx');
    assert.ok(span);
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    const exception = span.events.find((event) => event.name === 'exception');
    assert.equal(exception?.attributes?.['exception.type'], 'RangeError');
    assert.equal(exception.attributes['exception.message'], 'out of range');
    assert.match(String(exception.attributes['exception.stacktrace']), /out of range/);
    assert.equal(span.attributes['error.type'], 'RangeError');
    const { traceId, spanId } = span.spanContext();
    const [line] = capture.reportsFor('otel-5xx') as [LogLine];
    assert.equal(line.trace_id, traceId);
    assert.equal(line.span_id, spanId);
    assert.equal(response.headers['traceresponse'], `00-${traceId}-${spanId}-01`);
    assert.equal(problemOf(response).traceId, traceId);
  });

  it('a 4xx records the exception but does not mark the span as an error', async (t) => {
    const url = await traced(t, createRecover({ logger: new LogCapture().logger }), 'span-4xx', () => createError(404), '/t4');
    const response = await send(url);
    assert.equal(response.status, 404);
    const [span] = finished('span-4xx');
    assert.ok(span);
    assert.notEqual(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.events.filter((event) => event.name === 'exception').length, 1);
  });

  it(`counts each error on ${ERROR_COUNTER} by type, route and status`, async (t) => {
    const route = '/counter/:id';
    const recover = createRecover({ logger: new LogCapture().logger });
    const url = await serve(t, (request, response) => {
      const thrown = request.url === '/counter/2' ? createError(409, 'conflict') : new SyntaxError('bad json');
      answer(recover, thrown, request, response, { route });
    });
    await send(`${url}/counter/1`);
    await send(`${url}/counter/1`);
    await send(`${url}/counter/2`);
    const points = (await telemetry.counterPoints(ERROR_COUNTER)).filter((point) => point.attributes['http.route'] === route);
    const byType = Object.fromEntries(
      points.map((point) => [`${String(point.attributes['error.type'])} ${String(point.attributes['http.response.status_code'])}`, point.value]),
    );
    assert.deepEqual(byType, { 'SyntaxError 500': 2, 'ConflictError 409': 1 });
    assert.ok(points.every((point) => point.attributes['recover.origin'] === 'handler'));
  });
});

describe('recover: handle never throws', () => {
  it('answers even when exchange.request headers are hostile', async (t) => {
    const capture = new LogCapture();
    const recover = createRecover({ logger: capture.logger });
    let escaped: unknown;
    const url = await serve(t, (request, response) => {
      const headers = new Proxy(request.headers, {
        get: () => {
          throw new Error('hostile headers');
        },
      });
      const hostile = Object.create(request, { headers: { value: headers } }) as IncomingMessage;
      try {
        answer(recover, new Error('x'), hostile, response);
      } catch (failure) {
        escaped = failure;
        response.end();
      }
    });
    const { result: response, stderr } = await captureStderr(() => send(url));
    assert.equal(escaped, undefined);
    assert.equal(response.status, 500);
    assert.match(stderr, /recover: reporting failed/);
  });
});
