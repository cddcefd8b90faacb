// Errors that escape a request, traced by sdk-node: the exception must be on a span that gets exported,
// the request's SERVER span, which instrumentation-http ends when recover's answer closes the response.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startFixture, type Child as Fixture } from '@recover/test-support/child';
import { send } from '@recover/test-support/http';

const SERVER = fileURLToPath(new URL('fixtures/escape-traced.ts', import.meta.url));

interface ExportedSpan {
  name: string;
  server: boolean;
  error: boolean;
  exceptions: string[];
}

/** The exported spans of a trace, once its SERVER span is among them (within 3 s). */
async function exportedSpans(spansUrl: string, traceId: string): Promise<ExportedSpan[]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const found = JSON.parse((await send(`${spansUrl}/${traceId}`)).body) as ExportedSpan[];
    if (found.some((span) => span.server) || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// One process serves the three frameworks: the SDK starts once.
let fixture: Fixture;
before(async () => { fixture = await startFixture(SERVER, ['express,fastify,koa']); });
after(() => fixture.process.kill());

for (const framework of ['express', 'fastify', 'koa'] as const) {
  describe(`escaped errors with sdk-node: ${framework}`, () => {
    it("records a timer's escaped error once, on the exported SERVER span, marked ERROR", async () => {
      const [listening] = fixture.lines;
      const spansUrl = `http://127.0.0.1:${String(listening?.spans)}`;
      const port = (listening?.ports as Record<string, number>)[framework];
      const id = randomUUID();
      const answer = await send(`http://127.0.0.1:${String(port)}/timer`, { 'x-request-id': id });
      assert.equal(answer.status, 500);
      const { traceId } = JSON.parse(answer.body) as { traceId: string };
      const message = `timer escaped ${id}`;
      const spans = await exportedSpans(spansUrl, traceId);
      const all = JSON.stringify(spans);
      const server = spans.find((span) => span.server);
      assert.ok(server, `a SERVER span was exported: ${all}`);
      assert.deepEqual(server.exceptions.filter((text) => text === message), [message], all);
      assert.equal(server.error, true);
      for (const span of spans) assert.ok(span.exceptions.filter((text) => text === message).length <= 1, all);
    });
  });
}
