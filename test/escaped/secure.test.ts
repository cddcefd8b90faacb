// HTTP/2 (h2c and TLS, with and without allowHTTP1) and HTTPS: escaped errors are attributed and answered,
// an error after the headers resets only its own stream, and a restart drains HTTP/2 sessions with GOAWAY.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { ClientHttp2Session } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFixture, type Child } from '@recover/test-support/child';
import { h2Get, httpsGet, makeCertificate, openSession } from '@recover/test-support/secure';
import { waitFor } from '@recover/test-support/wait';

const FIXTURE = fileURLToPath(new URL('../fixtures/secure-server.ts', import.meta.url));
const certificate = await makeCertificate();
const TLS = { TLS_KEY: certificate.key, TLS_CERT: certificate.cert };
type Transport = 'h2c' | 'h2' | 'h2-allow-http1' | 'https';

function start(framework: string, transport: Transport, env: Record<string, string> = {}): Promise<Child> {
  return startFixture(FIXTURE, [framework, transport], { ...TLS, ...env }, transport === 'h2c' ? 'http' : 'https');
}

async function stop(child: Child): Promise<void> {
  child.process.kill();
  await child.exited;
}

/** The one report line of the request with this id, once the child has written it. */
function reportOf(child: Child, requestId: string) {
  return waitFor(() => {
    const reports = child.lines.filter((line) => 'err' in line && (line.requestId === requestId || line.reqId === requestId));
    return reports.length > 0 ? reports : undefined;
  }, `the report of ${requestId}`);
}

const HTTP2: [string, Transport][] = [
  ['fastify', 'h2c'], ['fastify', 'h2'], ['fastify', 'h2-allow-http1'],
  ['koa', 'h2c'], ['koa', 'h2'], ['koa', 'h2-allow-http1'],
];

for (const [framework, transport] of HTTP2) {
  describe(`${framework} over ${transport}`, () => {
    let child: Child;
    let session: ClientHttp2Session;
    before(async () => {
      child = await start(framework, transport);
      session = await openSession(child.url, certificate.cert);
    });
    after(async () => {
      session.close();
      await stop(child);
    });

    for (const kind of ['timer', 'promise']) {
      it(`an error escaping from a ${kind} is answered 500 on its own stream and logged once with its request`, async () => {
        const requestId = randomUUID();
        const response = await h2Get(session, `/escape/${kind}`, { 'x-request-id': requestId });
        assert.equal(response.status, 500);
        assert.equal(response.failed, false);
        assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(response.headers.connection, undefined, 'HTTP/2 has no Connection header');
        assert.equal((JSON.parse(response.body) as { requestId: string }).requestId, requestId);
        const reports = await reportOf(child, requestId);
        assert.equal(reports.length, 1);
        const line = reports[0] as Record<string, unknown>;
        assert.equal(line.origin, kind === 'timer' ? 'uncaughtException' : 'unhandledRejection');
        assert.equal((line.req as { url: string }).url, `/escape/${kind}`);
      });
    }

    it('an error after the headers resets only its own stream: the client sees it fail, a concurrent stream completes', async () => {
      const slow = h2Get(session, '/slow?ms=300');
      const cut = await h2Get(session, '/after-headers');
      assert.equal(cut.failed, true, `a reset, not a complete 200 (rstCode ${cut.rstCode})`);
      assert.notEqual(cut.rstCode, 0);
      const other = await slow;
      assert.equal(other.status, 200);
      assert.equal(other.failed, false);
      assert.deepEqual(JSON.parse(other.body), { ok: true });
    });

    if (transport === 'h2-allow-http1') {
      it('an HTTP/1.1 request to the same server is attributed too, and told to close its connection', async () => {
        const requestId = randomUUID();
        const response = await httpsGet(`${child.url}/escape/timer`, certificate.cert, { 'x-request-id': requestId });
        assert.equal(response.status, 500);
        assert.equal(response.headers.connection, 'close');
        assert.equal((await reportOf(child, requestId)).length, 1);
      });
    }
  });
}

for (const framework of ['express', 'fastify', 'koa']) {
  describe(`${framework} over https`, () => {
    let child: Child;
    before(async () => { child = await start(framework, 'https'); });
    after(async () => { await stop(child); });

    it('an escaped error is answered 500 on its request and logged once', async () => {
      const requestId = randomUUID();
      const response = await httpsGet(`${child.url}/escape/timer`, certificate.cert, { 'x-request-id': requestId });
      assert.equal(response.status, 500);
      assert.equal((JSON.parse(response.body) as { requestId: string }).requestId, requestId);
      assert.equal((await reportOf(child, requestId)).length, 1);
    });

    it('an error after the headers cuts the response off', async () => {
      const response = await httpsGet(`${child.url}/after-headers`, certificate.cert);
      assert.equal(response.broken, true);
    });
  });
}

describe('koa over h2c, the server listening before recover is set up', () => {
  it('the adapter adopts the server at its first request: escaped errors are still attributed', async () => {
    const child = await start('koa', 'h2c', { LISTEN_FIRST: '1' });
    const session = await openSession(child.url);
    try {
      const requestId = randomUUID();
      const response = await h2Get(session, '/escape/timer', { 'x-request-id': requestId });
      assert.equal(response.status, 500);
      assert.equal((await reportOf(child, requestId)).length, 1);
    } finally {
      session.close();
      await stop(child);
    }
  });
});

for (const [framework, transport] of [['fastify', 'h2'], ['koa', 'h2c']] as const) {
  describe(`${framework} over ${transport}: a restart drains HTTP/2 sessions`, () => {
    it('the crash is answered, the stream in flight finishes, new streams are refused, and the process exits 1', async () => {
      const child = await start(framework, transport, { RECOVER_PROCESS: 'restart', RECOVER_DRAIN_TIMEOUT: '3000' });
      const session = await openSession(child.url, certificate.cert);
      session.on('error', () => {}); // the session ends with the process
      try {
        const inFlight = h2Get(session, '/slow?ms=400');
        await new Promise((resolve) => setTimeout(resolve, 50));
        const crash = await h2Get(session, '/escape/timer');
        assert.equal(crash.status, 500);
        await new Promise((resolve) => setTimeout(resolve, 50));
        const late = await h2Get(session, '/ok');
        assert.equal(late.failed, true, 'a stream opened after GOAWAY is refused');
        const finished = await inFlight;
        assert.equal(finished.status, 200);
        assert.equal(finished.failed, false);
        assert.deepEqual(JSON.parse(finished.body), { ok: true });
        assert.equal(await child.exited, 1);
        assert.equal(child.lines.filter((line) => line.level === 60).length, 1, 'one fatal line');
      } finally {
        session.destroy();
        child.process.kill();
      }
    });
  });
}
