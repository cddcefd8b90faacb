import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** A log line as pino wrote it. */
export type LogLine = Record<string, unknown> & { level: number; msg?: string };

/** pino writing JSON lines into memory, so tests read exactly what a log shipper would. */
export class LogCapture {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, callback) => {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text === '') continue;
        this.raw.push(text);
        this.lines.push(JSON.parse(text) as LogLine);
      }
      callback();
    },
  });
  readonly logger: Logger = pino({ level: 'trace' }, this.stream);

  /** Lines that carry an error report for the request with this id. */
  reportsFor(requestId: string): LogLine[] {
    return this.lines.filter((line) => 'err' in line && (line.requestId === requestId || line.reqId === requestId));
  }

  /** The one report line for the request with this id; fails the test if there is none or more. */
  onlyReportFor(requestId: string): LogLine {
    const reports = this.reportsFor(requestId);
    assert.equal(reports.length, 1, `exactly one report for ${requestId}, got ${reports.length}`);
    return reports[0] as LogLine;
  }
}

/** Collects what is written to process.stderr while `fn` runs (recover's last-resort channel). */
export async function captureStderr<T>(fn: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  });
  try {
    const result = await fn();
    return { result, stderr };
  } finally {
    process.stderr.write = original;
  }
}
