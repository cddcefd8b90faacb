import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LogLine } from './capture.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/escape-server.ts', import.meta.url));

export interface Child {
  process: ChildProcess;
  url: string;
  lines: LogLine[];
  stderr: string;
  exited: Promise<number | null>;
}

/** Starts the fixture server of `framework` in its own process and collects its log lines. */
export function startChild(framework: string, env: Record<string, string> = {}): Promise<Child> {
  return startFixture(FIXTURE, [framework], env);
}

/** Starts `fixture` (a TypeScript server, or a built .js/.cjs/.mjs one, printing pino lines, the first `{"msg":"listening","port":N}`) with `args`. */
export async function startFixture(fixture: string, args: string[], env: Record<string, string> = {}, scheme = 'http'): Promise<Child> {
  const framework = args.join(' ');
  const loader = fixture.endsWith('.ts') ? ['--import', 'tsx'] : []; // a built bundle runs as it is
  const child = spawn(process.execPath, [...loader, fixture, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const state = { stderr: '' };
  child.stderr.on('data', (chunk: Buffer) => (state.stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${framework} fixture did not start: ${state.stderr}`)), 20_000);
    void exited.then((code) => reject(new Error(`${framework} fixture exited with ${String(code)}: ${state.stderr}`)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      if (line.msg === 'listening') {
        clearTimeout(timer);
        resolve(line.port as number);
      }
    });
  });
  return {
    process: child,
    url: `${scheme}://127.0.0.1:${port}`,
    lines,
    get stderr() { return state.stderr; },
    exited,
  };
}
