import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import createError from 'http-errors';
import recover, { type RecoverOptions } from '@recover/fastify';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { send, type RawResponse } from '@recover/test-support/http';

const PROBLEM = 'application/problem+json; charset=utf-8';
const TRACE_ID = /^[0-9a-f]{32}$/;

interface LoggedErr {
  type: string;
  message: string;
}

const errOf = (line: LogLine): LoggedErr => line.err as LoggedErr;

async function urlOf(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** A request with a body, over a real socket. */
function post(url: string, contentType: string, body: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': contentType, connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), broken: !res.complete });
      });
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no response from ${url} within 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Recover's report lines (they carry a trace id) among the captured lines from index `from` on. */
function reportsSince(capture: LogCapture, from: number): LogLine[] {
  return capture.lines.slice(from).filter((line) => 'err' in line && 'trace_id' in line);
}

describe('fastify: recover with Fastify’s own logger', () => {
  const capture = new LogCapture();
  const app = Fastify({ logger: { level: 'info', stream: capture.stream } });
  let url: string;
  before(async () => {
    await app.register(recover);
    app.get('/boom', () => {
      throw new Error('boom secret password=hunter2');
    });
    app.get('/forbidden', () => {
      throw createError(403, 'not yours');
    });
    app.post('/echo', (request) => ({ got: request.body }));
    // An encapsulated child plugin, registered after recover, with its own prefix.
    await app.register(
      (child, _options, done) => {
        child.get('/boom', async () => {
          await new Promise((resolve) => setImmediate(resolve));
          throw new TypeError('child secret');
        });
        done();
      },
      { prefix: '/child' },
    );
    url = await urlOf(app);
  });
  after(async () => {
    await app.close();
  });

  it("recover's line goes through request.log and carries Fastify's reqId", async () => {
    const from = capture.lines.length;
    const response = await send(`${url}/boom`);
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-type'], PROBLEM);
    const reports = reportsSince(capture, from);
    assert.equal(reports.length, 1);
    const [line] = reports as [LogLine];
    assert.equal(typeof line.reqId, 'string', 'bound by request.log');
    assert.equal(line.requestId, line.reqId);
    assert.equal(response.headers['x-request-id'], line.reqId);
    assert.match(String(line.trace_id), TRACE_ID);
    assert.equal(line.level, 50);
    assert.equal(errOf(line).type, 'Error');
    assert.ok(errOf(line).message.includes('hunter2'), 'the log keeps the message');
    assert.ok(!response.body.includes('hunter2'), 'the 5xx body does not');
    const errorLevel = capture.lines.slice(from).filter((candidate) => candidate.level >= 50);
    assert.equal(errorLevel.length, 1, `one error-level line per crash, got ${JSON.stringify(errorLevel)}`);
  });

  it('handles errors of a route in an encapsulated child plugin registered after it', async () => {
    const from = capture.lines.length;
    const response = await send(`${url}/child/boom`, { accept: 'text/plain' });
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(response.body, /^500 Internal Server Error\n/);
    assert.ok(!response.body.includes('child secret'));
    const reports = reportsSince(capture, from);
    assert.equal(reports.length, 1);
    const [line] = reports as [LogLine];
    assert.equal(errOf(line).type, 'TypeError');
    assert.deepEqual(line.req, { method: 'GET', url: '/child/boom', route: '/child/boom' });
  });

  it('an exposed 4xx shows its message and is logged at info', async () => {
    const from = capture.lines.length;
    const response = await send(`${url}/forbidden`);
    assert.equal(response.status, 403);
    assert.equal(response.headers['content-type'], PROBLEM);
    assert.equal((JSON.parse(response.body) as { detail?: unknown }).detail, 'not yours');
    const reports = reportsSince(capture, from);
    assert.equal(reports.length, 1);
    assert.equal((reports[0] as LogLine).level, 30);
  });

  it('invalid JSON is a 400, logged at info, not a 500', async () => {
    const from = capture.lines.length;
    const response = await post(`${url}/echo`, 'application/json', '{"broken":');
    assert.equal(response.status, 400);
    assert.equal(response.headers['content-type'], PROBLEM);
    assert.equal((JSON.parse(response.body) as { status: unknown }).status, 400);
    const reports = reportsSince(capture, from);
    assert.equal(reports.length, 1);
    assert.equal((reports[0] as LogLine).level, 30);
    assert.equal((reports[0] as LogLine).responseStatus, 400);
  });

  it('an unsupported content type is a 415, logged at info', async () => {
    const from = capture.lines.length;
    const response = await post(`${url}/echo`, 'application/x-unknown', 'whatever');
    assert.equal(response.status, 415);
    assert.equal(response.headers['content-type'], PROBLEM);
    const reports = reportsSince(capture, from);
    assert.equal(reports.length, 1);
    assert.equal((reports[0] as LogLine).level, 30);
    assert.equal((reports[0] as LogLine).responseStatus, 415);
  });

  it('valid JSON still works', async () => {
    const response = await post(`${url}/echo`, 'application/json', '{"a":1}');
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { got: { a: 1 } });
  });

  it("leaves Fastify's own 404 for unknown routes untouched", async () => {
    const from = capture.lines.length;
    const response = await send(`${url}/no/such/route`);
    assert.equal(response.status, 404);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.deepEqual(JSON.parse(response.body), { message: 'Route GET:/no/such/route not found', error: 'Not Found', statusCode: 404 });
    assert.equal(reportsSince(capture, from).length, 0, 'no recover report for a 404');
  });
});

describe('fastify: registration options', () => {
  const rejected = [Fastify({ logger: false }), Fastify({ logger: false })] as const;
  after(async () => {
    for (const app of rejected) {
      try {
        await app.close();
      } catch {
        // an app whose plugin failed to register may refuse to close; nothing is listening
      }
    }
  });

  it('a wrong option rejects register with a TypeError naming it', async () => {
    await assert.rejects(
      async () => {
        await rejected[0].register(recover, { stackSize: 'x' } as unknown as RecoverOptions);
      },
      (error: unknown) => {
        assert.ok(error instanceof TypeError, String(error));
        assert.match(error.message, /"stackSize"/);
        return true;
      },
    );
  });

  it('an unknown option rejects register with a TypeError naming it', async () => {
    await assert.rejects(
      async () => {
        await rejected[1].register(recover, { bogus: true } as unknown as RecoverOptions);
      },
      (error: unknown) => error instanceof TypeError && /"bogus"/.test(error.message),
    );
  });

  describe("Fastify's own register options", () => {
    const capture = new LogCapture();
    const app = Fastify({ logger: { level: 'info', stream: capture.stream }, logController: new LogController({ disableRequestLogging: true }) });
    let url: string;
    before(async () => {
      await app.register(recover, { prefix: '/ignored', logLevel: 'info', stackSize: 64 });
      app.get('/boom', () => {
        throw new Error('x'.repeat(10) + '\n' + 'y'.repeat(500));
      });
      url = await urlOf(app);
    });
    after(async () => {
      await app.close();
    });

    it('are accepted alongside recover’s, which still apply app-wide', async () => {
      const requestId = randomUUID();
      const response = await send(`${url}/boom`, { 'x-request-id': requestId });
      assert.equal(response.status, 500);
      assert.equal(response.headers['content-type'], PROBLEM);
      const reports = capture.lines.filter((line) => 'trace_id' in line);
      assert.equal(reports.length, 1);
      const stack = (reports[0] as LogLine & { err: { stack?: string } }).err.stack ?? '';
      // stackSize: 64 bounds the logged stack, the truncation marker included.
      assert.ok(Buffer.byteLength(stack) <= 64, `${Buffer.byteLength(stack)} bytes: the stack was not cut to 64`);
      assert.ok(stack.startsWith(`Error: ${'x'.repeat(10)}\n`), stack);
      assert.match(stack, /…\[truncated \d+ bytes\]$/);
    });
  });
});

describe('fastify: logger: false', () => {
  let child: ChildProcessWithoutNullStreams;
  let stderr = '';
  let url: string;
  before(async () => {
    const fixture = fileURLToPath(new URL('./fixtures/no-logger-server.ts', import.meta.url));
    child = spawn(process.execPath, ['--import', 'tsx', fixture], { cwd: fileURLToPath(new URL('..', import.meta.url)) });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        const newline = stdout.indexOf('\n');
        if (newline !== -1) resolve(`http://127.0.0.1:${(JSON.parse(stdout.slice(0, newline)) as { port: number }).port}`);
      });
      child.on('exit', (code) => {
        reject(new Error(`fixture exited with ${String(code)}: ${stderr}`));
      });
    });
  });
  after(async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  it('falls back to pino on stderr instead of losing the report', async () => {
    const response = await send(`${url}/boom`);
    assert.equal(response.status, 500);
    assert.equal(response.headers['content-type'], PROBLEM);
    const deadline = Date.now() + 3000;
    while (!stderr.includes('"trace_id"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const lines = stderr
      .split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text) as LogLine);
    const reports = lines.filter((line) => 'err' in line);
    assert.equal(reports.length, 1, `one report on stderr, got: ${stderr}`);
    const [line] = reports as [LogLine];
    assert.equal(line.level, 50);
    assert.equal(line.name, 'recover');
    assert.equal(line.requestId, String(response.headers['x-request-id']));
    assert.equal(errOf(line).message, 'no-logger secret');
    assert.match(String(line.trace_id), TRACE_ID);
  });
});
