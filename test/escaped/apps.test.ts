// Several apps in one process, and the ES module and CommonJS copies of core loaded together: one set of
// process hooks, each escaped error reported once through the recover of the app that served its request.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startFixture, type Child } from '@recover/test-support/child';
import type { LogLine } from '@recover/test-support/capture';
import { send } from '@recover/test-support/http';
import { waitFor } from '@recover/test-support/wait';

const FIXTURE = fileURLToPath(new URL('../fixtures/apps-server.ts', import.meta.url));
type Ports = Record<'a' | 'b' | 'fastify' | 'koa', number>;

function portsOf(child: Child): Ports {
  return (child.lines.find((line) => line.msg === 'listening') as LogLine & { ports: Ports }).ports;
}

const reportsFor = (child: Child, id: string) => child.lines.filter((line) => 'err' in line && (line.requestId === id || line.reqId === id));

describe('several apps and two copies of core in one process', () => {
  let child: Child;
  let ports: Ports;
  before(async () => {
    child = await startFixture(FIXTURE, [], { OTHER_LISTENER: '1' });
    ports = portsOf(child);
  });
  after(async () => {
    child.process.kill();
    await child.exited;
  });

  it('installs one uncaughtException and one unhandledRejection listener, whatever the number of apps and copies', () => {
    const { listeners } = child.lines.find((line) => line.msg === 'listening') as LogLine & { listeners: Record<string, number> };
    assert.deepEqual(listeners, { uncaughtException: 2, unhandledRejection: 1 }, "recover's pair, plus the app's own listener");
  });

  for (const app of ['a', 'b', 'fastify', 'koa'] as const) {
    it(`an error escaping a request of app ${app} is answered there, with its headers, and logged once by app ${app}'s logger`, async () => {
      const requestId = randomUUID();
      const response = await send(`http://127.0.0.1:${ports[app]}/escape`, { 'x-request-id': requestId });
      assert.equal(response.status, 500);
      assert.equal(response.headers['access-control-allow-origin'], 'https://app.example', 'the CORS header survives');
      const reports = await waitFor(() => (reportsFor(child, requestId).length > 0 ? reportsFor(child, requestId) : undefined), 'the report');
      assert.equal(reports.length, 1);
      const [line] = reports as [LogLine];
      assert.equal(line.app, app);
      assert.equal(line.origin, 'uncaughtException');
      assert.match((line.err as { message: string }).message, new RegExp(`escaped from ${app}`));
      if (app === 'fastify') assert.equal(line.reqId, requestId, "Fastify's own request logger and id");
    });
  }

  it('a crash no request owns is logged once, by the app whose recover was made first', async () => {
    await send(`http://127.0.0.1:${ports.a}/outside`);
    const crashes = await waitFor(() => {
      const found = child.lines.filter((line) => (line.err as { message?: string } | undefined)?.message === 'crash outside any request');
      return found.length > 0 ? found : undefined;
    }, 'the crash line');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(child.lines.filter((line) => (line.err as { message?: string } | undefined)?.message === 'crash outside any request').length, 1);
    assert.equal((crashes[0] as LogLine).app, 'a');
    assert.equal((crashes[0] as LogLine).req, undefined);
  });

  it("a timer escaping a guard job of the CommonJS copy is attributed to the job by the ES module copy's hooks", async () => {
    await send(`http://127.0.0.1:${ports.koa}/job`);
    const line = await waitFor(() => child.lines.find((entry) => (entry.err as { message?: string } | undefined)?.message === 'escaped from a job of the CommonJS copy'), 'the job line');
    assert.deepEqual((line.job as { name: string }).name, 'copy.job');
    assert.equal(line.origin, 'uncaughtException');
    assert.equal(line.req, undefined, 'the job, not the request that started it');
  });

  it('says once that other process-level listeners are installed', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const notes = child.lines.filter((line) => String(line.msg).startsWith('recover: other process-level error listeners'));
    assert.equal(notes.length, 1);
    assert.deepEqual(notes[0]?.otherListeners, { uncaughtException: 1, unhandledRejection: 0 });
  });
});

describe('one crash budget for the whole process', () => {
  it('escapes on apps of both copies spend one budget: the one beyond it restarts the process, with one fatal line', async () => {
    // Without route quarantine, which would count the Express app's escapes against its route instead.
    const child = await startFixture(FIXTURE, [], { RECOVER_BUDGET: '1', RECOVER_QUARANTINE: 'false' });
    const ports = portsOf(child);
    try {
      assert.equal((await send(`http://127.0.0.1:${ports.a}/escape`)).status, 500);
      assert.equal((await send(`http://127.0.0.1:${ports.koa}/escape`)).status, 500);
      assert.equal(await child.exited, 1);
      assert.equal(child.lines.filter((line) => line.level === 60).length, 1);
    } finally {
      child.process.kill();
    }
  });
});
