// Transient and corruption errors on a real server of each framework in its own process: a storm of
// transient errors never restarts the process, whatever the budget; corruption restarts it at once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { startChild } from '@recover/test-support/child';
import { send } from '@recover/test-support/http';
import { frameworks } from '@recover/test-support/servers';
import { waitFor } from '@recover/test-support/wait';

const DRAIN_TIMEOUT = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const framework of frameworks) {
  describe(`classes of error: ${framework}`, () => {
    it('a storm of transient errors, escaped and handled, is answered 503 with Retry-After at warn and never spends the crash budget (0)', async () => {
      const child = await startChild(framework, { RECOVER_BUDGET: '0' });
      try {
        const ids: string[] = Array.from({ length: 30 }, () => randomUUID());
        // An upstream reset escaping from a timer, and a fetch to a dependency that is down.
        const responses = await Promise.all(ids.map((id, i) => send(`${child.url}/${i % 2 === 0 ? 'escape/transient' : 'transient'}`, { 'x-request-id': id })));
        for (const [i, response] of responses.entries()) {
          assert.equal(response.status, 503, `request ${i}`);
          assert.match(String(response.headers['retry-after']), /^[5-7]$/);
          if (i % 2 === 0) assert.equal(response.headers.connection, 'close', 'an escaped error closes its connection');
        }
        // The default log limit keeps 10 full reports per kind of error (two kinds here) per 10 s.
        const reports = () => child.lines.filter((line) => ids.includes(line.requestId as string) && 'err' in line);
        await waitFor(() => reports().length === 20, '10 full reports of each kind');
        for (const line of reports()) {
          assert.equal(line.level, 40, 'warn, not error: nobody is paged for a blip');
          assert.equal(line.errorClass, 'transient');
          assert.equal(line.responseStatus, 503);
        }
        assert.equal((await send(`${child.url}/ok`)).status, 200);
        assert.equal((await send(`${child.url}/ready`)).status, 200);
        await sleep(100);
        assert.equal(child.process.exitCode, null, 'a budget of 0, and still serving');
        assert.equal(child.lines.filter((line) => line.level === 60).length, 0, 'no fatal line');
      } finally {
        child.process.kill();
      }
    });

    it('a corruption error answers 500, logs fatal, lets an in-flight request finish and exits 1, whatever the budget', { timeout: 20_000 }, async () => {
      const child = await startChild(framework, { RECOVER_BUDGET: '1000', RECOVER_DRAIN_TIMEOUT: String(DRAIN_TIMEOUT) });
      const inFlight = send(`${child.url}/slow?ms=400`);
      await sleep(50);
      const requestId = randomUUID();
      const crashedAt = Date.now();
      const response = await send(`${child.url}/corrupt`, { 'x-request-id': requestId });
      assert.equal(response.status, 500);
      assert.equal(response.headers.connection, 'close');
      const line = await waitFor(() => child.lines.find((candidate) => candidate.requestId === requestId && 'err' in candidate), 'the fatal line');
      assert.equal(line.level, 60);
      assert.equal(line.errorClass, 'corruption');
      assert.equal(line.origin, 'handler');
      assert.equal((await inFlight).status, 200, 'the request in flight finishes');
      assert.equal(await child.exited, 1, 'exits non-zero for its supervisor to start a fresh one');
      assert.ok(Date.now() - crashedAt < DRAIN_TIMEOUT + 500);
    });
  });
}

describe('classes of error: escaped corruption', () => {
  it('an escaped corruption error restarts at once, whatever the budget and the route quarantine', { timeout: 20_000 }, async () => {
    const child = await startChild('koa', { RECOVER_BUDGET: '1000', RECOVER_DRAIN_TIMEOUT: String(DRAIN_TIMEOUT) });
    const requestId = randomUUID();
    const response = await send(`${child.url}/escape/corrupt`, { 'x-request-id': requestId });
    assert.equal(response.status, 500);
    const line = await waitFor(() => child.lines.find((candidate) => candidate.requestId === requestId && 'err' in candidate), 'the fatal line');
    assert.equal(line.level, 60);
    assert.equal(line.errorClass, 'corruption');
    assert.equal(line.origin, 'uncaughtException');
    assert.equal(await child.exited, 1);
  });
});
