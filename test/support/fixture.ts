import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { LogLine } from './capture.js';

/** A fixture server running in its own process: its URL, the JSON lines it printed, and how it ended. */
export interface Fixture {
  process: ChildProcess;
  url: string;
  lines: LogLine[];
  readonly stderr: string;
  exited: Promise<number | null>;
}

/**
 * Runs a fixture script (`node --import tsx file ...args`) that prints JSON lines on stdout, the first with
 * `msg: 'listening'` and its `port`. For what must run in a process of its own: process-level hooks,
 * global SDKs (Sentry, OpenTelemetry), exits.
 */
export async function startFixture(file: string, args: string[], env: Record<string, string> = {}): Promise<Fixture> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start: ${stderr}`)), 20_000);
    void exited.then((code) => reject(new Error(`${file} exited with ${String(code)}: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      if (line.msg !== 'listening') return;
      clearTimeout(timer);
      resolve(line.port as number);
    });
  });
  return { process: child, url: `http://127.0.0.1:${port}`, lines, get stderr() { return stderr; }, exited };
}
