import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import type { RecoverOptions } from '@recover/core';
import { createRecover, sendErrorResponse } from '@recover/core/adapter';
import { LogCapture } from '@recover/test-support/capture';
import { listen, send } from '@recover/test-support/http';
import { installTelemetry } from '@recover/test-support/otel';

const telemetry = installTelemetry();

/** A server whose every request fails the same way (one throw site), or with a TypeError on /other. */
async function flooded(t: TestContext, options: RecoverOptions): Promise<{ url: string; capture: LogCapture }> {
  const capture = new LogCapture();
  const recover = createRecover({ logger: capture.logger, ...options });
  const running = await listen((request: IncomingMessage, response: ServerResponse) => {
    const thrown = request.url === '/other' ? new TypeError('different') : new Error('pool exhausted');
    const answer = recover.handle(thrown, { request, response, route: '/flood' });
    if (answer) sendErrorResponse(response, answer);
  });
  t.after(running.close);
  return { url: running.url, capture };
}

async function floodCount(): Promise<number> {
  const points = await telemetry.counterPoints('recover.errors');
  return points.filter((point) => point.attributes['http.route'] === '/flood').reduce((sum, point) => sum + point.value, 0);
}

const fullReports = (capture: LogCapture) => capture.lines.filter((line) => 'err' in line);
const summaries = (capture: LogCapture) => capture.lines.filter((line) => String(line.msg).startsWith('recover: suppressed'));

describe('log storms', () => {
  it("a level option that answers 'fatal' is still limited: only recover's own restart line bypasses the limiter", async (t) => {
    const { url, capture } = await flooded(t, { logLimit: { reports: 2, interval: 60_000 }, level: () => 'fatal' });
    for (let i = 0; i < 6; i++) assert.equal((await send(url)).status, 500);
    assert.equal(fullReports(capture).length, 2);
    assert.ok(fullReports(capture).every((line) => line.level === 60));
  });

  it('logs the first reports of a flood in full, then one summary with sample trace ids; telemetry counts every error', async (t) => {
    const { url, capture } = await flooded(t, { logLimit: { reports: 3, interval: 300 } });
    const before = await floodCount();
    const traceIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await send(url);
      assert.equal(response.status, 500, 'every request is still answered');
      traceIds.push((JSON.parse(response.body) as { traceId: string }).traceId);
    }
    assert.equal(fullReports(capture).length, 3);
    assert.equal(summaries(capture).length, 0, 'the summary closes the interval');
    assert.equal(await floodCount(), before + 20);

    await new Promise((resolve) => setTimeout(resolve, 400));
    const [summary, ...more] = summaries(capture);
    assert.ok(summary);
    assert.equal(more.length, 0);
    assert.equal(summary.msg, 'recover: suppressed 17 similar');
    assert.equal(summary.suppressed, 17);
    assert.equal(summary.level, 40);
    const fingerprint = summary.fingerprint as { type: string; frame: string; route: string };
    assert.equal(fingerprint.type, 'Error');
    assert.equal(fingerprint.route, '/flood');
    assert.match(fingerprint.frame, /storm\.test\.ts:\d+:\d+/, 'the throw site');
    const samples = summary.sampleTraceIds as string[];
    assert.equal(samples.length, 5);
    for (const sample of samples) assert.ok(traceIds.slice(3).includes(sample), 'samples are suppressed requests, findable in traces');
  });

  it('another kind of error keeps its own allowance, and a new interval starts afresh', async (t) => {
    const { url, capture } = await flooded(t, { logLimit: { reports: 2, interval: 200 } });
    for (let i = 0; i < 5; i++) await send(url);
    await send(`${url}/other`);
    const types = fullReports(capture).map((line) => (line.err as { type: string }).type);
    assert.deepEqual(types, ['Error', 'Error', 'TypeError']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await send(url);
    assert.equal(fullReports(capture).length, 4, 'logged in full again after the interval');
    assert.equal(summaries(capture).length, 1);
  });

  it('logLimit: false logs every report', async (t) => {
    const { url, capture } = await flooded(t, { logLimit: false });
    for (let i = 0; i < 15; i++) await send(url);
    assert.equal(fullReports(capture).length, 15);
  });
});
