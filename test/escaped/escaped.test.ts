import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startChild, type Child } from '@recover/test-support/child';
import { waitFor } from '@recover/test-support/wait';
import { send } from '@recover/test-support/http';
import { frameworks } from '@recover/test-support/servers';

// Each escape, and the process-level origin it reaches recover by.
const ESCAPES = {
  timer: 'uncaughtException',
  tick: 'uncaughtException',
  promise: 'unhandledRejection',
  async: 'unhandledRejection',
  emitter: 'uncaughtException',
} as const;

for (const framework of frameworks) {
  describe(`escaped errors: ${framework}, process 'keep-serving'`, () => {
    let child: Child;
    before(async () => {
      child = await startChild(framework);
    });
    after(() => {
      child.process.kill();
    });

    it('answers each escaped error on the request that started it, while concurrent requests are unaffected', async () => {
      const ids = Object.fromEntries(Object.keys(ESCAPES).map((kind) => [kind, randomUUID()]));
      const [responses, healthy] = await Promise.all([
        Promise.all(Object.keys(ESCAPES).map((kind) => send(`${child.url}/escape/${kind}`, { 'x-request-id': ids[kind] as string }))),
        Promise.all([1, 2, 3].map(() => send(`${child.url}/slow`))),
      ]);
      for (const response of healthy) assert.equal(response.status, 200, 'a concurrent request that did not fail');

      for (const [index, [kind, origin]] of Object.entries(ESCAPES).entries()) {
        const requestId = ids[kind] as string;
        const response = responses[index];
        assert.ok(response);
        assert.equal(response.status, 500, `${kind}: status`);
        assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(response.headers.connection, 'close', `${kind}: the connection is not reused after a crash`);
        const body = JSON.parse(response.body) as { traceId: string; requestId: string; detail?: string };
        assert.equal(body.requestId, requestId, `${kind}: answered on its own request`);
        assert.equal(body.detail, undefined);
        assert.ok(!response.body.includes('escaped'), `${kind}: no internal message in the body`);

        const line = await waitFor(() => child.lines.find((candidate) => candidate.requestId === requestId && 'err' in candidate), `${kind} log line`);
        assert.equal(child.lines.filter((candidate) => candidate.requestId === requestId && 'err' in candidate).length, 1, `${kind}: one line`);
        assert.equal(line.origin, origin, `${kind}: origin`);
        assert.equal(line.level, 50);
        assert.equal(line.trace_id, body.traceId, `${kind}: one trace id in log and body`);
        assert.equal(line.responseStatus, 500);
        assert.ok((line.err as { message: string }).message.endsWith(requestId), `${kind}: the log names the request that started the work`);
      }
    });

    it('keeps serving: the process is alive and a healthy route answers 200', async () => {
      const response = await send(`${child.url}/ok`);
      assert.equal(response.status, 200);
      assert.equal(child.process.exitCode, null);
    });
  });
}

describe("escaped errors: process false leaves Node's default crash", () => {
  it('an error thrown from a timer ends the process with code 1', async () => {
    const child = await startChild('express', { RECOVER_PROCESS: 'false' });
    const response = await send(`${child.url}/escape/timer`, { 'x-request-id': 'no-policy' });
    assert.equal(response.broken, true, 'the request dies with the process');
    assert.equal(await child.exited, 1);
    assert.match(child.stderr, /timer escaped no-policy/);
  });
});

describe('escaped errors: background jobs and diagnostic reports', () => {
  it("a timer that escapes a guarded job is reported with the job's name, not on the request that started it", async () => {
    const child = await startChild('express');
    try {
      const requestId = randomUUID();
      const response = await send(`${child.url}/job`, { 'x-request-id': requestId });
      assert.equal(response.status, 200, 'the request that started the job was answered normally');
      const line = await waitFor(() => child.lines.find((candidate) => 'err' in candidate && (candidate.job as { name?: string } | undefined)?.name === 'search.reindex'), 'the job line');
      assert.equal(line.origin, 'uncaughtException');
      assert.equal(line.requestId, undefined);
      assert.ok((line.err as { message: string }).message.endsWith(requestId));
      assert.equal((await send(`${child.url}/ok`)).status, 200);
    } finally {
      child.process.kill();
    }
  });

  it('writes one compact diagnostic report per interval, without environment variables, after answering', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recover-report-'));
    const child = await startChild('express', { RECOVER_REPORT_DIR: dir, RECOVER_SECRET_TOKEN: 'env-secret-value' });
    try {
      for (const kind of ['timer', 'promise']) {
        assert.equal((await send(`${child.url}/escape/${kind}`, { 'x-request-id': randomUUID() })).status, 500);
      }
      const written = await waitFor(() => child.lines.find((line) => line.msg === 'recover: diagnostic report written'), 'the report line');
      const files = await readdir(dir);
      assert.equal(files.length, 1, 'two crashes within the interval give one report');
      assert.equal(join(dir, files[0] as string), written.report);
      const text = await readFile(join(dir, files[0] as string), 'utf8');
      assert.ok(!text.includes('\n  '), 'compact JSON');
      assert.ok(!text.includes('env-secret-value'), 'no environment variables');
      const report = JSON.parse(text) as { header: { event: string }; javascriptStack: { message: string }; environmentVariables?: unknown };
      assert.equal(report.environmentVariables, undefined);
      assert.match(report.javascriptStack.message, /timer escaped/);
    } finally {
      child.process.kill();
    }
  });
});

describe('escaped errors: other process-level listeners', () => {
  it('still run, and recover says once that they may end the process', async () => {
    const child = await startChild('koa', { OTHER_LISTENER: '1' });
    try {
      for (let i = 0; i < 2; i++) assert.equal((await send(`${child.url}/escape/timer`, { 'x-request-id': randomUUID() })).status, 500);
      await waitFor(() => (child.lines.filter((line) => line.msg === 'other listener saw it').length === 2 ? true : undefined), 'the other listener, twice');
      const notes = child.lines.filter((line) => (line.msg ?? '').startsWith('recover: other process-level error listeners'));
      assert.equal(notes.length, 1, 'said once');
      assert.deepEqual(notes[0]?.otherListeners, { uncaughtException: 1, unhandledRejection: 0 });
      assert.equal(notes[0].level, 40);
      assert.equal((await send(`${child.url}/ok`)).status, 200);
    } finally {
      child.process.kill();
    }
  });
});

describe('escaped errors: a client that left', () => {
  it('is logged at info as 499 and never spends the crash budget', async () => {
    const child = await startChild('express', { RECOVER_BUDGET: '0' });
    try {
      const requestId = randomUUID();
      const response = await send(`${child.url}/client-gone`, { 'x-request-id': requestId });
      assert.equal(response.broken, true);
      const line = await waitFor(() => child.lines.find((candidate) => candidate.requestId === requestId && 'err' in candidate), 'the 499 line');
      assert.equal(line.level, 30);
      assert.equal(line.responseStatus, 499);
      assert.equal(line.origin, 'uncaughtException');
      assert.equal((await send(`${child.url}/ok`)).status, 200, 'a budget of 0 was not spent');
      assert.equal(child.process.exitCode, null);
    } finally {
      child.process.kill();
    }
  });
});
