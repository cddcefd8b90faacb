import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { LogCapture, captureStderr, type LogLine } from '@recover/test-support/capture';
import { abortAfterFirstChunk, send, type RawResponse } from '@recover/test-support/http';
import { installTelemetry } from '@recover/test-support/otel';
import { scenarios, type LoggedError, type Scenario } from '@recover/test-support/scenarios';
import { START_SPAN, frameworks, startServer, type Running } from '@recover/test-support/servers';
import { waitFor } from '@recover/test-support/wait';

const telemetry = installTelemetry();
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
// A stack frame as V8 prints it: any of these in a body means internals leaked.
const STACK_FRAME = /\bat .+:\d+:\d+/;

/** Everything the user can observe of one failing request: the response and the one log line. */
function assertSafeReport(scenario: Scenario, response: RawResponse, reports: LogLine[], requestId: string): LoggedError {
  assert.equal(reports.length, 1, `exactly one log line per error, got ${reports.length}`);
  const line = reports[0] as LogLine;
  const err = line.err as LoggedError;
  assert.equal(line.level, scenario.level, 'log level');
  assert.equal(err.type, scenario.type, 'err.type');
  assert.match(String(line.trace_id), TRACE_ID);
  assert.match(String(line.span_id), SPAN_ID);
  assert.equal(line.requestId, requestId);
  assert.deepEqual(line.req, { method: 'GET', url: (line.req as { url: string }).url, route: '/case/:name' });
  assert.equal(line.responseStatus, scenario.headersSent ? 500 : scenario.status);
  assert.equal(line.origin, 'handler');
  assert.equal(line.errorClass, scenario.errorClass ?? 'bug', 'errorClass');
  if (scenario.secret) assert.ok(JSON.stringify(err).includes(scenario.secret), 'the log keeps the internal detail');
  scenario.checkErr?.(err);

  if (scenario.headersSent) {
    // Headers and the partial body may or may not reach the client before the socket is destroyed.
    assert.ok(response.status === scenario.status || response.status === 0, `status ${response.status}`);
    assert.equal(response.broken, true, 'a response that had started is cut off, not completed');
    assert.ok(!response.body.includes('traceId'), 'no second response was written');
    return err;
  }
  assert.equal(response.status, scenario.status, 'status');
  assert.equal(response.broken, false);
  assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(response.headers['x-request-id'], requestId);
  assert.equal(response.headers.traceresponse, `00-${String(line.trace_id)}-${String(line.span_id)}-${(response.headers.traceresponse as string).slice(-2)}`);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  assert.equal(body.type, 'about:blank');
  assert.equal(body.status, scenario.status);
  assert.equal(body.traceId, line.trace_id);
  assert.equal(body.requestId, requestId);
  assert.doesNotMatch(response.body, STACK_FRAME, 'no stack frame in the body');
  if (scenario.secret) assert.ok(!response.body.includes(scenario.secret), 'no internal detail in the body');
  if (scenario.status >= 500) {
    assert.equal(body.detail, undefined, 'a 5xx body has no detail');
    assert.ok(!response.body.includes(err.message.slice(0, 20)) || err.message === '', 'no error message in a 5xx body');
  }
  if (scenario.detail) assert.equal(body.detail, scenario.detail);
  for (const [name, value] of Object.entries(scenario.headers ?? {})) assert.equal(response.headers[name], value);
  if (scenario.retryAfter) assert.match(String(response.headers['retry-after']), /^[5-7]$/, 'Retry-After: whole seconds in [5, 7.5]');
  else if (!scenario.headers?.['retry-after']) assert.equal(response.headers['retry-after'], undefined, 'no Retry-After');
  for (const [name, value] of Object.entries(scenario.keptHeaders ?? {})) assert.equal(response.headers[name], value, `${name} kept`);
  if (scenario.keptHeaders) assert.ok(String(response.headers['set-cookie']).includes('sid=1'), 'the session cookie kept');
  for (const name of scenario.droppedHeaders ?? []) assert.equal(response.headers[name], undefined, `${name} dropped`);
  return err;
}

for (const framework of frameworks) {
  describe(`conformance: ${framework}`, () => {
    const capture = new LogCapture();
    let server: Running;
    before(async () => {
      server = await startServer(framework, capture.logger);
    });
    after(async () => {
      await server.close();
    });

    for (const [name, scenario] of Object.entries(scenarios) as [string, Scenario][]) {
      it(`${name}: answers ${scenario.status} and logs one safe report`, async () => {
        const requestId = randomUUID();
        const response = await send(`${server.url}/case/${name}`, { 'x-request-id': requestId });
        assertSafeReport(scenario, response, capture.reportsFor(requestId), requestId);
      });
    }

    it('adopts the trace id of an incoming traceparent', async () => {
      const requestId = randomUUID();
      const traceId = randomUUID().replaceAll('-', '');
      const response = await send(`${server.url}/case/sync-throw`, {
        'x-request-id': requestId,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      });
      const [line] = capture.reportsFor(requestId);
      assert.equal(line?.trace_id, traceId);
      assert.equal((JSON.parse(response.body) as { traceId: string }).traceId, traceId);
      assert.match(String(response.headers.traceresponse), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      assert.notEqual(line.span_id, '00f067aa0ba902b7', 'the caller\'s span is the parent, not ours');
    });

    it('inside an active SDK span: one trace id in log, body, header and exported span; error recorded and counted', async () => {
      const requestId = randomUUID();
      const before = await errorCount(framework, '503');
      const response = await send(`${server.url}/case/status-503`, { 'x-request-id': requestId, [START_SPAN]: '1' });
      assert.equal(response.status, 503);
      const [line] = capture.reportsFor(requestId);
      const span = telemetry.spans.getFinishedSpans().find((candidate) => candidate.spanContext().traceId === line?.trace_id);
      assert.ok(span, 'the exported span has the trace id of the log line');
      assert.equal(span.spanContext().spanId, line?.span_id);
      assert.equal((JSON.parse(response.body) as { traceId: string }).traceId, line?.trace_id);
      assert.equal(response.headers.traceresponse, `00-${String(line?.trace_id)}-${String(line?.span_id)}-01`);
      assert.equal(span.status.code, 2, 'span status ERROR for a 5xx');
      const exception = span.events.find((event) => event.name === 'exception');
      assert.equal(exception?.attributes?.['exception.type'], 'Error');
      assert.equal(exception.attributes['exception.message'], 'upstream secret at 10.0.0.7');
      assert.equal(await errorCount(framework, '503'), before + 1, 'recover.errors counted once');
    });

    it('a 4xx inside a span records the exception but leaves the span status unset', async () => {
      const requestId = randomUUID();
      await send(`${server.url}/case/http-404`, { 'x-request-id': requestId, [START_SPAN]: '1' });
      const [line] = capture.reportsFor(requestId);
      const span = telemetry.spans.getFinishedSpans().find((candidate) => candidate.spanContext().traceId === line?.trace_id);
      assert.ok(span);
      assert.equal(span.status.code, 0);
      assert.equal(span.events.filter((event) => event.name === 'exception').length, 1);
    });

    it('a transient error inside an SDK span: errorClass on the log line, the exported span and recover.errors', async () => {
      const requestId = randomUUID();
      const before = await classCount('transient', '503');
      const response = await send(`${server.url}/case/cause-refused`, { 'x-request-id': requestId, [START_SPAN]: '1' });
      assert.equal(response.status, 503);
      const [line] = capture.reportsFor(requestId);
      assert.equal(line?.errorClass, 'transient');
      const span = telemetry.spans.getFinishedSpans().find((candidate) => candidate.spanContext().traceId === line.trace_id);
      assert.ok(span, 'the exported span');
      assert.equal(span.attributes['recover.error_class'], 'transient');
      assert.equal(span.status.code, 2, 'a 503 is still an error of the span');
      assert.equal(await classCount('transient', '503'), before + 1, 'counted once, with its class');
    });

    it('option classify overrides the default: the class it returns decides status, level and Retry-After', async () => {
      const custom = await startServer(framework, capture.logger, {
        classify: (_thrown, report) => (report.error.message.startsWith('sync') ? 'transient' : report.error.message.startsWith('socket hang up') ? 'bug' : undefined),
      });
      try {
        const cases = [
          ['sync-throw', 503, 40, 'transient'],
          ['upstream-reset', 500, 50, 'bug'],
          ['cause-refused', 503, 40, 'transient'], // undefined: the default class
        ] as const;
        for (const [name, status, level, errorClass] of cases) {
          const requestId = randomUUID();
          const response = await send(`${custom.url}/case/${name}`, { 'x-request-id': requestId });
          assert.equal(response.status, status, `${name}: status`);
          assert.equal(response.headers['retry-after'] !== undefined, status === 503, `${name}: Retry-After`);
          const line = capture.onlyReportFor(requestId);
          assert.equal(line.level, level, `${name}: level`);
          assert.equal(line.errorClass, errorClass, `${name}: errorClass`);
        }
      } finally {
        await custom.close();
      }
    });

    it('a logger that throws: the report falls back to one stderr line and the client still gets its 500', async () => {
      const broken = pino({}, { write() { throw new Error('disk full'); } });
      const failing = await startServer(framework, capture.logger, { logger: broken });
      try {
        const requestId = randomUUID();
        const { result: response, stderr } = await captureStderr(() =>
          send(`${failing.url}/case/sync-throw`, { 'x-request-id': requestId }),
        );
        assert.equal(response.status, 500);
        assert.equal((JSON.parse(response.body) as { requestId: string }).requestId, requestId);
        const lines = stderr.split('\n').filter((text) => text.includes(requestId));
        assert.equal(lines.length, 1, `one stderr line, got: ${stderr}`);
        const line = JSON.parse(lines[0] as string) as LogLine;
        assert.equal((line.err as LoggedError).type, 'Error');
        assert.match(String(line.trace_id), TRACE_ID);
        assert.match(String(line.recoverFallback), /disk full/);
      } finally {
        await failing.close();
      }
    });

    it('a pino destination that fails after the write returned: the lost report is repeated on stderr, and the server goes on', async () => {
      // A log shipper's socket refusing the line later, as a network destination or sonic-boom's async write does.
      const refusing = new Writable({ write(_chunk, _encoding, callback) { setImmediate(() => { callback(new Error('log sink refused')); }); } });
      const failing = await startServer(framework, capture.logger, { logger: pino({}, refusing) });
      try {
        const requestId = randomUUID();
        const { result: response, stderr } = await captureStderr(async () => {
          const answer = await send(`${failing.url}/case/sync-throw`, { 'x-request-id': requestId });
          await waitFor(() => refusing.destroyed, 'the destination to fail');
          return answer;
        });
        assert.equal(response.status, 500);
        const lines = stderr.split('\n').filter((text) => text.includes(requestId));
        assert.equal(lines.length, 1, `one stderr line, got: ${stderr}`);
        const line = JSON.parse(lines[0] as string) as LogLine;
        assert.equal(line.requestId, requestId);
        assert.match(String(line.trace_id), TRACE_ID);
        assert.match(String(line.recoverFallback), /log sink refused/);

        // The destination is dead now: the next report goes straight to stderr, and healthy routes still answer.
        const nextId = randomUUID();
        const { result: next, stderr: after } = await captureStderr(() => send(`${failing.url}/case/sync-throw`, { 'x-request-id': nextId }));
        assert.equal(next.status, 500);
        assert.equal(after.split('\n').filter((text) => text.includes(nextId)).length, 1, `one stderr line, got: ${after}`);
        assert.equal((await send(`${failing.url}/ok`)).status, 200);
      } finally {
        await failing.close();
      }
    });

    it('a pino destination that never finishes a write: the client still gets its 500 and the server goes on', async () => {
      let stalled = 0;
      const stuck = new Writable({ highWaterMark: 1, write() { stalled += 1; } }); // never calls back
      const failing = await startServer(framework, capture.logger, { logger: pino({}, stuck) });
      try {
        const response = await send(`${failing.url}/case/sync-throw`);
        assert.equal(response.status, 500);
        assert.equal((await send(`${failing.url}/case/sync-throw`)).status, 500);
        assert.equal((await send(`${failing.url}/ok`)).status, 200);
        assert.equal(stalled, 1, 'the first line is stuck in the destination, the rest queue behind it');
      } finally {
        await failing.close();
      }
    });

    it('a client-sent request id that reads like a bound request (\'"req":\') still logs through the app\'s logger', async () => {
      // Fastify binds the raw header as request.log's reqId; recover answers with an id of its own.
      const response = await send(`${server.url}/case/sync-throw`, { 'x-request-id': `${randomUUID()}"req":{}` });
      assert.equal(response.status, 500);
      const { requestId } = JSON.parse(response.body) as { requestId: string };
      assert.equal(capture.onlyReportFor(requestId).level, 50, 'the line is in the app log, not on stderr');
    });

    it('a client that hangs up mid-stream is logged at info as 499, without a stack, and counted apart from errors', async () => {
      const requestId = randomUUID();
      const errorsBefore = await counted('recover.errors', '499');
      const closedBefore = await counted('recover.client_closed', '499');
      await abortAfterFirstChunk(`${server.url}/stream`, { 'x-request-id': requestId });
      await waitFor(() => capture.reportsFor(requestId).length > 0, 'the 499 line');
      const [line, ...more] = capture.reportsFor(requestId);
      assert.ok(line, 'the closed connection is still recorded');
      assert.equal(more.length, 0);
      assert.equal(line.level, 30);
      assert.equal(line.responseStatus, 499);
      assert.equal((line.err as LoggedError).stack, undefined);
      assert.equal(await counted('recover.client_closed', '499'), closedBefore + 1);
      assert.equal(await counted('recover.errors', '499'), errorsBefore, 'not an error of ours');
    });

    it('attacker text in a message stays inside one JSON log line', async () => {
      const requestId = randomUUID();
      const before = capture.raw.length;
      await send(`${server.url}/case/forged-lines`, { 'x-request-id': requestId });
      const written = capture.raw.slice(before).filter((raw) => raw.includes(requestId));
      assert.equal(written.length, 1, 'one line');
      assert.ok(!capture.raw.some((raw) => raw.startsWith('{"level":60,"msg":"forged"')), 'no forged line');
      // eslint-disable-next-line no-control-regex -- control characters are what must not appear raw
      assert.ok(!/[\u0000-\u001f]/.test(written[0] as string), 'no raw CR, LF or other control character inside the line');
      assert.match((capture.onlyReportFor(requestId).err as LoggedError).message, /\r\n\{"level":60/);
    });

    it('bad percent-encoding in the URL is a 400, logged at info, not a crash', async () => {
      const requestId = randomUUID();
      const response = await send(`${server.url}/case/%E0%A4%A`, { 'x-request-id': requestId });
      assert.equal(response.status, 400);
      // Fastify rejects a bad URL itself (FST_ERR_BAD_URL) before routing, so no error handler sees it.
      if (framework !== 'fastify') assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.doesNotMatch(response.body, STACK_FRAME);
      const lines = capture.reportsFor(requestId);
      assert.ok(lines.every((line) => line.level === 30), 'a client mistake is info, not error');
    });

    it('logs only allowlisted headers: Authorization, Cookie and API keys never', async () => {
      const requestId = randomUUID();
      const secret = randomUUID();
      await send(`${server.url}/case/sync-throw`, {
        'x-request-id': requestId,
        'user-agent': 'conformance/1.0',
        authorization: `Bearer ${secret}`,
        cookie: `session=${secret}`,
        'x-api-key': secret,
      });
      const line = capture.onlyReportFor(requestId);
      assert.deepEqual((line.req as { headers?: unknown }).headers, { 'user-agent': 'conformance/1.0' });
      assert.ok(!capture.raw.some((raw) => raw.includes(secret)), 'no credential in any log line');
    });

    it('masks credentials in the query string of the logged URL', async () => {
      const requestId = randomUUID();
      const token = `tok-${randomUUID()}`;
      const response = await send(`${server.url}/case/sync-throw?page=2&access_token=${token}&password=${token}`, { 'x-request-id': requestId });
      assert.equal(response.status, 500);
      const [line] = capture.reportsFor(requestId);
      assert.equal((line?.req as { url: string }).url, '/case/sync-throw?page=2&access_token=[REDACTED]&password=[REDACTED]');
      assert.ok(!capture.raw.some((raw) => raw.includes(token)), 'the token is in no log line');
    });

    it('keeps serving: a healthy route answers 200 after every failure above', async () => {
      const response = await send(`${server.url}/ok`);
      assert.equal(response.status, 200);
      assert.deepEqual(JSON.parse(response.body), { ok: true });
    });
  });
}

/** recover.errors for the case routes and a status, as the metrics SDK would export it. */
async function errorCount(_framework: string, status: string): Promise<number> {
  const points = await telemetry.counterPoints('recover.errors');
  return points
    .filter((point) => String(point.attributes['http.response.status_code']) === status && point.attributes['http.route'] === '/case/:name')
    .reduce((sum, point) => sum + point.value, 0);
}

/** recover.errors for the case routes, one class and one status. */
async function classCount(errorClass: string, status: string): Promise<number> {
  const points = await telemetry.counterPoints('recover.errors');
  return points
    .filter((point) => point.attributes['recover.error_class'] === errorClass && String(point.attributes['http.response.status_code']) === status && point.attributes['http.route'] === '/case/:name')
    .reduce((sum, point) => sum + point.value, 0);
}

/** A counter's total for one status, over every route. */
async function counted(name: string, status: string): Promise<number> {
  const points = await telemetry.counterPoints(name);
  return points.filter((point) => String(point.attributes['http.response.status_code']) === status).reduce((sum, point) => sum + point.value, 0);
}
