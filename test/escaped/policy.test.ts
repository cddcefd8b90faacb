import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { startChild, type Child } from '@recover/test-support/child';
import { waitFor } from '@recover/test-support/wait';
import { send } from '@recover/test-support/http';
import { frameworks } from '@recover/test-support/servers';

const DRAIN_TIMEOUT = 3000;

/** A request that must fail to connect: the server has stopped accepting. */
async function refused(url: string): Promise<boolean> {
  try {
    await send(url);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
}

const fatalLine = (child: Child, requestId: string) =>
  child.lines.find((line) => line.requestId === requestId && 'err' in line && line.level === 60);

for (const framework of frameworks) {
  describe(`process 'restart': ${framework}`, () => {
    it('answers the crash, turns readiness 503, drains in-flight requests, flushes telemetry and exits 1 within drainTimeout', async () => {
      const child = await startChild(framework, { RECOVER_PROCESS: 'restart', RECOVER_DRAIN_TIMEOUT: String(DRAIN_TIMEOUT) });
      assert.equal((await send(`${child.url}/ready`)).status, 200, 'ready before the crash');

      // In flight when the crash happens: two slow requests and a readiness probe that answers late.
      const inFlight = [send(`${child.url}/slow?ms=400`), send(`${child.url}/slow?ms=600`)];
      const lateProbe = send(`${child.url}/ready-later`);
      await new Promise((resolve) => setTimeout(resolve, 50));

      const requestId = randomUUID();
      const crashedAt = Date.now();
      const crashed = await send(`${child.url}/escape/timer`, { 'x-request-id': requestId });
      assert.equal(crashed.status, 500);
      assert.equal(crashed.headers.connection, 'close');

      const line = await waitFor(() => fatalLine(child, requestId), 'the fatal log line');
      assert.equal(line.origin, 'uncaughtException');

      const probe = await lateProbe;
      assert.equal(probe.status, 503, 'readiness is 503 once the process drains');
      assert.deepEqual(JSON.parse(probe.body), { status: 'draining' });
      for (const response of await Promise.all(inFlight)) assert.equal(response.status, 200, 'in-flight requests complete');
      assert.equal(await refused(`${child.url}/ok`), true, 'no new connections are accepted');

      const code = await child.exited;
      const tookMs = Date.now() - crashedAt;
      assert.equal(code, 1, 'exits non-zero for the supervisor to restart it');
      assert.ok(tookMs < DRAIN_TIMEOUT + 500, `exited after ${tookMs} ms, drainTimeout ${DRAIN_TIMEOUT} ms`);
      assert.ok(child.lines.some((candidate) => candidate.msg === 'spans exported'), 'batched spans were flushed before exit');
    });
  });
}

describe('a restart with a log storm in progress', () => {
  it("writes the pending 'suppressed K similar' line before it exits, and never suppresses the fatal line", async () => {
    const child = await startChild('express', { RECOVER_BUDGET: '12', RECOVER_DRAIN_TIMEOUT: String(DRAIN_TIMEOUT), RECOVER_QUARANTINE: 'false' });
    for (let i = 0; i < 12; i++) assert.equal((await send(`${child.url}/escape/promise`)).status, 500);
    const requestId = randomUUID();
    assert.equal((await send(`${child.url}/escape/promise`, { 'x-request-id': requestId })).status, 500);
    assert.equal(await child.exited, 1);
    const reports = child.lines.filter((line) => 'err' in line);
    assert.equal(reports.length, 11, '10 full reports of the storm, then the fatal one');
    assert.ok(fatalLine(child, requestId), 'the crash that exhausted the budget is logged in full');
    const summaries = child.lines.filter((line) => line.msg === 'recover: suppressed 2 similar');
    assert.equal(summaries.length, 1, `one summary, written before exit: ${JSON.stringify(child.lines.map((line) => line.msg))}`);
  });
});

describe("process 'restart' with broken telemetry", () => {
  it('a span exporter and a forceFlush that throw: the crash is still logged and the process still exits 1 within drainTimeout', async () => {
    const child = await startChild('fastify', { RECOVER_PROCESS: 'restart', RECOVER_DRAIN_TIMEOUT: String(DRAIN_TIMEOUT), BROKEN_TELEMETRY: '1' });
    const requestId = randomUUID();
    const crashedAt = Date.now();
    const crashed = await send(`${child.url}/escape/timer`, { 'x-request-id': requestId });
    assert.equal(crashed.status, 500);
    const line = await waitFor(() => fatalLine(child, requestId), 'the fatal log line');
    assert.equal(line.origin, 'uncaughtException');
    assert.equal(await child.exited, 1);
    assert.ok(Date.now() - crashedAt < DRAIN_TIMEOUT + 500, 'the deadline holds');
    assert.ok(!child.lines.some((candidate) => candidate.msg === 'spans exported'), 'the exporter never succeeded');
    assert.doesNotMatch(child.stderr, /forceFlush broke|collector unreachable|UnhandledPromiseRejection/, 'nothing escaped from the flush');
  });
});

describe("process 'keep-serving': the crash budget", () => {
  it('without route quarantine: survives escapes up to the budget, then drains and exits on the one beyond it', async () => {
    const child = await startChild('express', { RECOVER_BUDGET: '2', RECOVER_DRAIN_TIMEOUT: String(DRAIN_TIMEOUT), RECOVER_QUARANTINE: 'false' });
    for (let i = 0; i < 2; i++) {
      const requestId = randomUUID();
      const response = await send(`${child.url}/escape/promise`, { 'x-request-id': requestId });
      assert.equal(response.status, 500);
      const line = await waitFor(() => child.lines.find((candidate) => candidate.requestId === requestId && 'err' in candidate), 'log line');
      assert.equal(line.level, 50, 'below the budget: error, not fatal');
    }
    assert.equal((await send(`${child.url}/ok`)).status, 200, 'still serving within the budget');
    assert.equal(child.process.exitCode, null);

    const requestId = randomUUID();
    const response = await send(`${child.url}/escape/promise`, { 'x-request-id': requestId });
    assert.equal(response.status, 500, 'the crash beyond the budget is still answered');
    const line = await waitFor(() => fatalLine(child, requestId), 'the fatal log line');
    assert.equal(line.origin, 'unhandledRejection');
    assert.equal(await child.exited, 1);
  });
});
