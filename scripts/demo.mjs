// `npm run demo`: starts each example server, crashes it on purpose, and shows what a user would see:
// statuses, bodies, the one log line per crash with its trace id, and the server still answering.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const frameworks = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['express', 'fastify', 'koa'];
const paths = ['/', '/crash', '/async-crash', '/throw-null', '/widgets/42', '/busy', '/half-sent', '/timer-crash', '/'];
const dim = (text) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);

let failures = 0;
const check = (ok, what) => {
  if (!ok) {
    failures += 1;
    console.log(`  ✗ ${what}`);
  }
};

async function startExample(framework) {
  const child = spawn(process.execPath, ['--import', './telemetry.mjs', 'server.mjs'], {
    cwd: `${root}/examples/${framework}`,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = [];
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${framework} example did not start within 15 s`)), 15_000);
    child.once('exit', (code) => reject(new Error(`${framework} example exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      let line;
      try {
        line = JSON.parse(text);
      } catch {
        return;
      }
      lines.push(line);
      if (line.msg === 'listening') {
        clearTimeout(timer);
        resolve(line.port);
      }
    });
  });
  return { child, port, lines };
}

async function get(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: `(connection broken: ${error.cause?.code ?? error.message})` };
  }
}

for (const framework of frameworks) {
  console.log(`\n▶ ${framework}: examples/${framework}/server.mjs`);
  const { child, port, lines } = await startExample(framework);
  for (const path of paths) {
    const { status, body } = await get(`http://127.0.0.1:${port}${path}`);
    await sleep(20); // let the log line arrive
    const reports = lines.filter((line) => line.err && line.req?.url === path && line.trace_id);
    console.log(`  GET ${path.padEnd(12)} → ${String(status).padEnd(3)} ${dim(body.length > 110 ? `${body.slice(0, 110)}…` : body)}`);
    for (const line of reports) {
      console.log(`    log level=${line.level} origin=${line.origin} ${line.err.type}: ${line.err.message.slice(0, 50)}  trace_id=${line.trace_id} requestId=${line.requestId}`);
    }
    if (path === '/') {
      check(status === 200, `${framework} ${path}: expected 200, got ${status}`);
      continue;
    }
    check(reports.length === 1, `${framework} ${path}: expected one report line, got ${reports.length}`);
    if (status >= 500) {
      check(!body.includes('hunter2') && !/\bat .+:\d+:\d+/.test(body), `${framework} ${path}: internal detail in the body`);
      check(reports[0] && body.includes(reports[0].trace_id), `${framework} ${path}: body and log trace ids differ`);
    }
  }
  child.kill('SIGTERM');
}

console.log(failures === 0 ? '\n✓ every crash answered safely, logged once with its trace id; every server kept serving' : `\n✗ ${failures} problem(s)`);
process.exit(failures === 0 ? 0 : 1);
