import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startFixture, type Child as Fixture } from '@recover/test-support/child';
import { send } from '@recover/test-support/http';
import { waitFor } from '@recover/test-support/wait';

const SERVER = fileURLToPath(new URL('fixtures/server.ts', import.meta.url));

interface SentryEvent {
  exception?: { values?: { type?: string; value?: string; mechanism?: { type?: string; handled?: boolean } }[] };
  contexts?: { trace?: { trace_id?: string; span_id?: string } };
  tags?: Record<string, string>;
}

const eventsOf = (fixture: Fixture): SentryEvent[] => fixture.lines.filter((line) => line.msg === 'sentry event').map((line) => line.event as SentryEvent);
const exceptionOf = (event: SentryEvent) => event.exception?.values?.at(-1);
const eventsFor = (fixture: Fixture, requestId: string) => eventsOf(fixture).filter((event) => event.tags?.request_id === requestId);

/** The one Sentry event of a request: waits for it, then checks no second one follows. */
async function onlyEventFor(fixture: Fixture, requestId: string): Promise<SentryEvent> {
  const event = await waitFor(() => eventsFor(fixture, requestId)[0], `the Sentry event of ${requestId}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(eventsFor(fixture, requestId).length, 1, 'one event, not two');
  return event;
}

/** A request from outside the Sentry process, as a client would send it, to one framework's server. */
async function request(fixture: Fixture, path: string, framework = 'express'): Promise<{ requestId: string; status: number; traceId: string | undefined }> {
  const requestId = randomUUID();
  const port = (fixture.lines[0]?.ports as Record<string, number>)[framework];
  const response = await send(`http://127.0.0.1:${String(port)}${path}`, { 'x-request-id': requestId });
  const body = response.body.startsWith('{') ? (JSON.parse(response.body) as { traceId?: string }) : {};
  return { requestId, status: response.status, traceId: body.traceId };
}

// One process serves the three frameworks: Sentry starts once.
let fixture: Fixture;
before(async () => { fixture = await startFixture(SERVER, ['express,fastify,koa']); });
after(() => fixture.process.kill());

for (const framework of ['express', 'fastify', 'koa'] as const) {
  describe(`@recover/sentry with @sentry/node 11: ${framework}`, () => {
    it('sends a handled 5xx to Sentry once, with the trace id of the answer and the request id', async () => {
      const answer = await request(fixture, '/crash', framework);
      assert.equal(answer.status, 500);
      const event = await onlyEventFor(fixture, answer.requestId);
      assert.equal(exceptionOf(event)?.type, 'TypeError');
      assert.equal(exceptionOf(event)?.value, 'checkout crashed');
      assert.equal(exceptionOf(event)?.mechanism?.type, 'auto.recover');
      assert.equal(event.contexts?.trace?.trace_id, answer.traceId, "Sentry's trace id is the one the client was given");
    });

    it('sends every escaped error, not only the first of the process', async () => {
      const first = await request(fixture, '/timer', framework);
      const second = await request(fixture, '/timer', framework);
      assert.equal(first.status, 500);
      assert.equal(second.status, 500);
      for (const answer of [first, second]) {
        const event = await onlyEventFor(fixture, answer.requestId);
        assert.equal(exceptionOf(event)?.value, `timer escaped ${answer.requestId}`);
        assert.equal(exceptionOf(event)?.mechanism?.handled, false);
        assert.equal(event.contexts?.trace?.trace_id, answer.traceId);
      }
    });

    it('sends a Proxy as an Error rebuilt from the report, running none of its traps; a 4xx is not sent', async () => {
      // Fastify reads a thrown value's statusCode itself, so there the trap runs before recover sees it.
      if (framework !== 'fastify') {
        const proxied = await request(fixture, '/proxy', framework);
        const event = await onlyEventFor(fixture, proxied.requestId);
        assert.equal(exceptionOf(event)?.type, 'Proxy');
        assert.notEqual(exceptionOf(event)?.value, 'a trap ran');
      }
      const missing = await request(fixture, '/not-found', framework);
      assert.equal(missing.status, 404);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(eventsFor(fixture, missing.requestId).length, 0);
    });
  });
}

describe("@recover/sentry with process: 'restart'", () => {
  it('the crash that triggers the restart reaches Sentry before the process exits', async () => {
    const restarting = await startFixture(SERVER, ['express'], { RECOVER_PROCESS: 'restart', RECOVER_DRAIN_TIMEOUT: '1500' });
    const answer = await request(restarting, '/timer');
    assert.equal(answer.status, 500);
    assert.equal(await restarting.exited, 1);
    const events = eventsFor(restarting, answer.requestId);
    assert.equal(events.length, 1, `one event for the crash, got ${events.length}: ${restarting.stderr}`);
    assert.equal(events.map((event) => exceptionOf(event)?.value).join(), `timer escaped ${answer.requestId}`);
  });
});
