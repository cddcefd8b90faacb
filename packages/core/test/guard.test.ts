import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentJob, guard } from '@recover/core';
import { LogCapture, type LogLine } from '@recover/test-support/capture';
import { installTelemetry } from '@recover/test-support/otel';

const telemetry = installTelemetry();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Job {
  name: string;
  id: string;
}
const jobOf = (line: LogLine) => line.job as Job;
const reports = (capture: LogCapture) => capture.lines.filter((line) => 'err' in line);

async function backgroundCount(name: string): Promise<number> {
  const points = await telemetry.counterPoints('recover.errors');
  return points
    .filter((point) => point.attributes['recover.origin'] === 'background' && point.attributes['job.name'] === name)
    .reduce((sum, point) => sum + point.value, 0);
}

describe('guard', () => {
  it('a sync job that throws is reported once with origin background, its name and a run id, counted, and returns undefined', async () => {
    const capture = new LogCapture();
    const job = guard('billing.close', (): number => {
      throw new RangeError('ledger out of balance');
    }, { logger: capture.logger });
    const before = await backgroundCount('billing.close');
    assert.equal(job(), undefined);
    const [line, ...more] = reports(capture);
    assert.ok(line);
    assert.equal(more.length, 0);
    assert.equal(line.origin, 'background');
    assert.equal(line.level, 50);
    assert.equal((line.err as { type: string }).type, 'RangeError');
    assert.equal(jobOf(line).name, 'billing.close');
    assert.match(jobOf(line).id, UUID);
    assert.match(String(line.trace_id), /^[0-9a-f]{32}$/);
    assert.equal(line.req, undefined, 'no request owns a background job');
    assert.equal(await backgroundCount('billing.close'), before + 1);
  });

  it('a job that succeeds returns its value untouched, sync or async', async () => {
    const capture = new LogCapture();
    assert.equal(guard('sum', (a: number, b: number) => a + b, { logger: capture.logger })(2, 3), 5);
    assert.equal(await guard('later', async (word: string) => Promise.resolve(word.toUpperCase()), { logger: capture.logger })('ok'), 'OK');
    assert.equal(reports(capture).length, 0);
  });

  it('an async job that rejects resolves to undefined and is reported once; a falsy rejection too', async () => {
    const capture = new LogCapture();
    const job = guard('mail.send', async (to: string) => {
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error(`smtp refused ${to}`);
    }, { logger: capture.logger });
    assert.equal(await job('a@example.com'), undefined);
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what careless code does
    assert.equal(await guard('nothing', () => Promise.reject(null), { logger: capture.logger })(), undefined);
    const lines = reports(capture);
    assert.equal(lines.length, 2);
    assert.match((lines[0]?.err as { message: string }).message, /smtp refused a@example.com/);
    assert.equal((lines[1]?.err as { type: string }).type, 'null');
  });

  it('each run has its own async context and id, visible to the job', async () => {
    const seen: (Job | undefined)[] = [];
    const job = guard('ctx', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(currentJob());
    });
    await Promise.all([job(), job()]);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]?.name, 'ctx');
    assert.notEqual(seen[0].id, seen[1]?.id, 'concurrent runs keep their own ids');
    assert.equal(currentJob(), undefined, 'no job context leaks out');
  });

  it('an async iterator of messages: one bad message is reported and the loop goes on', async () => {
    const capture = new LogCapture();
    async function* messages() {
      for (const id of [1, 2, 3, 4]) {
        await new Promise((resolve) => setImmediate(resolve));
        yield { id, poison: id === 2 };
      }
    }
    const done: number[] = [];
    const handle = guard('orders.consume', async (message: { id: number; poison: boolean }) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (message.poison) throw new SyntaxError(`bad payload in message ${message.id}`);
      done.push(message.id);
    }, { logger: capture.logger });
    for await (const message of messages()) await handle(message);
    assert.deepEqual(done, [1, 3, 4]);
    const [line, ...more] = reports(capture);
    assert.equal(more.length, 0);
    assert.equal(jobOf(line as LogLine).name, 'orders.consume');
    assert.match(((line as LogLine).err as { message: string }).message, /message 2/);
  });

  it('setInterval work: every failing tick is reported with its own run id and nothing escapes', async () => {
    const capture = new LogCapture();
    const tick = guard('cache.refresh', (): void => {
      throw new Error('upstream down');
    }, { logger: capture.logger });
    // Were anything to escape, node:test would fail this test with an uncaught exception.
    await new Promise<void>((resolve) => {
      let runs = 0;
      const timer = setInterval(() => {
        tick();
        if (++runs === 3) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    const lines = reports(capture);
    assert.equal(lines.length, 3);
    assert.equal(new Set(lines.map((line) => jobOf(line).id)).size, 3);
  });

  it('rejects a missing name or job at once', () => {
    assert.throws(() => guard('', () => 1), /job name/);
    assert.throws(() => guard('x', undefined as unknown as () => void), /needs a function/);
  });
});
