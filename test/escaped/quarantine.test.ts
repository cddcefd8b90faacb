// Route quarantine, the circuit breaker for escaped errors, on a real server of each framework in its own
// process: a route that keeps escaping is answered 503 without running its handler while every other route
// serves, its escapes never spend the crash budget, and it is tried again after the cooldown.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LogLine } from '@recover/test-support/capture';
import { startChild, type Child } from '@recover/test-support/child';
import { send, type RawResponse } from '@recover/test-support/http';
import { frameworks } from '@recover/test-support/servers';
import { waitFor } from '@recover/test-support/wait';

const COOLDOWN = 700;
const ROUTE = '/v1/flaky'; // mounted under /v1: an Express router, a Fastify prefix, a @koa/router prefix
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const handlerRuns = (child: Child) => child.lines.filter((line) => line.msg === 'flaky handler ran').length;
const quarantineLines = (child: Child, state: 'open' | 'closed') =>
  child.lines.filter((line) => (line.quarantine as { state?: string } | undefined)?.state === state);

/** Sends one request to the flaky route; with `escapes`, waits for its escaped error's report line. */
async function flaky(child: Child): Promise<{ response: RawResponse; requestId: string }> {
  const requestId = randomUUID();
  const response = await send(`${child.url}${ROUTE}`, { 'x-request-id': requestId });
  return { response, requestId };
}

function assertHeldBack(response: RawResponse, maxSeconds: number): void {
  assert.equal(response.status, 503, 'quarantined: 503');
  assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= maxSeconds, `Retry-After ${String(response.headers['retry-after'])}`);
  const body = JSON.parse(response.body) as { status: number; title: string; traceId: string };
  assert.equal(body.status, 503);
  assert.equal(body.title, 'Service Unavailable');
  assert.match(body.traceId, /^[0-9a-f]{32}$/);
}

for (const framework of frameworks) {
  describe(`route quarantine: ${framework}`, () => {
    let child: Child;
    before(async () => {
      // A crash budget of 0: were a route's escape to spend it, the process would restart at the first one.
      child = await startChild(framework, { RECOVER_BUDGET: '0', RECOVER_QUARANTINE: JSON.stringify({ after: 3, window: 60_000, cooldown: COOLDOWN }) });
    });
    after(() => {
      child.process.kill();
    });

    it('a route that escapes 3 times is answered 503 without its handler running, while other routes answer 200; after the cooldown it runs again', async () => {
      await send(`${child.url}/flaky-mode/1`);
      for (let i = 1; i <= 3; i++) {
        const { response, requestId } = await flaky(child);
        assert.equal(response.status, 500, `escape ${i}: answered 500 on its own request`);
        const line = await waitFor(() => child.lines.find((candidate) => candidate.requestId === requestId && 'err' in candidate), `escape ${i}`);
        assert.equal(line.level, 50, 'a route escape is an error, not the fatal one of a restart');
        assert.equal((line.req as { route: string }).route, ROUTE);
      }
      const [opened, ...more] = await waitFor(() => (quarantineLines(child, 'open').length > 0 ? quarantineLines(child, 'open') : undefined), 'the quarantine line');
      assert.equal(more.length, 0, 'logged once');
      assert.equal(opened?.level, 40);
      assert.equal(opened.msg, `recover: route quarantined: GET ${ROUTE}`);
      assert.deepEqual({ ...(opened.quarantine as object), until: undefined }, { state: 'open', method: 'GET', route: ROUTE, cooldownMs: COOLDOWN, until: undefined });
      assert.equal(handlerRuns(child), 3);

      const held = await flaky(child);
      assertHeldBack(held.response, 1);
      assert.equal((JSON.parse(held.response.body) as { requestId: string }).requestId, held.requestId);
      assert.equal(handlerRuns(child), 3, 'the handler did not run');
      assert.equal(child.lines.filter((line) => line.requestId === held.requestId && 'err' in line).length, 0, 'no error report for a held-back request');
      const [ok, ready] = await Promise.all([send(`${child.url}/ok`), send(`${child.url}/ready`)]);
      assert.equal(ok.status, 200, 'another route serves');
      assert.equal(ready.status, 200, 'readiness stays 200');

      await send(`${child.url}/flaky-mode/0`);
      await sleep(COOLDOWN + 100);
      const trial = await flaky(child);
      assert.equal(trial.response.status, 200, 'after the cooldown the route runs again');
      assert.equal(handlerRuns(child), 4);
      const closed = await waitFor(() => quarantineLines(child, 'closed')[0], 'the closing line');
      assert.equal(closed.level, 40);
      assert.equal(closed.msg, `recover: route back in service: GET ${ROUTE}`);
      assert.equal((await flaky(child)).response.status, 200, 'closed: every request runs');
      assert.equal(quarantineLines(child, 'open').length, 1);
      assert.equal(quarantineLines(child, 'closed').length, 1);
      assert.equal(child.process.exitCode, null, 'a crash budget of 0, and the process is still up');
    });

    it('a trial request that escapes again quarantines the route for twice as long', async () => {
      await send(`${child.url}/flaky-mode/1`);
      for (let i = 0; i < 3; i++) assert.equal((await flaky(child)).response.status, 500);
      await waitFor(() => quarantineLines(child, 'open').length === 2, 'the second opening');
      await sleep(COOLDOWN + 100);
      assert.equal((await flaky(child)).response.status, 500, 'the trial request ran, and escaped');
      const reopened = await waitFor(() => quarantineLines(child, 'open')[2], 'the reopening');
      assert.equal((reopened.quarantine as { cooldownMs: number }).cooldownMs, 2 * COOLDOWN);
      const runs = handlerRuns(child);
      assertHeldBack((await flaky(child)).response, 2);
      assert.equal(handlerRuns(child), runs);

      await send(`${child.url}/flaky-mode/0`);
      await sleep(2 * COOLDOWN + 100);
      assert.equal((await flaky(child)).response.status, 200);
      await waitFor(() => quarantineLines(child, 'closed').length === 2, 'the route closed again');
      assert.equal(child.process.exitCode, null);
    });

    it('an escape no route owns still spends the crash budget (0 here): the process restarts', { timeout: 20_000 }, async () => {
      await send(`${child.url}/outside`);
      assert.equal(await child.exited, 1);
      // Fastify's app has no logger option: a crash outside any request goes to recover's stderr logger.
      const fatal = (line: LogLine) => line.level === 60 && (line.err as { message?: string } | undefined)?.message === 'crash outside any request';
      const onStderr = child.stderr.split('\n').filter((text) => text.startsWith('{')).map((text) => JSON.parse(text) as LogLine);
      assert.equal([...child.lines, ...onStderr].filter(fatal).length, 1, 'one fatal line');
    });
  });
}
