// `npm run demo`: starts each example server, crashes it on purpose, and shows what a user would see:
// statuses, bodies, the one log line per crash with its trace id, a dependency that is down answered 503
// with Retry-After, a route that keeps escaping quarantined and back in service, and the server still answering.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const frameworks = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['express', 'fastify', 'koa'];
// Each request, and what must come of it: its status (when it is decided) and how many report lines it logs.
const crash = (path) => ({ path, reports: 1 });
const steps = [
  { path: '/', status: 200, reports: 0 },
  ...['/crash', '/async-crash', '/throw-null', '/widgets/42', '/busy', '/half-sent', '/timer-crash'].map(crash),
  { path: '/upstream', status: 503, reports: 1, retryAfter: true, errorClass: 'transient' },
  { path: '/flaky', status: 500, reports: 1 },
  { path: '/flaky', status: 500, reports: 1 },
  { path: '/flaky', status: 500, reports: 1, opens: true },
  { path: '/flaky', status: 503, reports: 0, retryAfter: true },
  { wait: 2_100 },
  { path: '/flaky', status: 200, reports: 0, closes: true },
  { path: '/', status: 200, reports: 0 },
];
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
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
  } catch (error) {
    return { status: 0, retryAfter: null, body: `(connection broken: ${error.cause?.code ?? error.message})` };
  }
}

/** One request of the demo: shown with the lines it logged, and checked against what must come of it. */
async function run(framework, port, lines, step) {
  const { path } = step;
  const before = lines.length;
  const { status, retryAfter, body } = await get(`http://127.0.0.1:${port}${path}`);
  await sleep(20); // let the log lines arrive
  const logged = lines.slice(before);
  const reports = logged.filter((line) => line.err && line.req?.url === path && line.trace_id);
  const retry = retryAfter === null ? '' : ` Retry-After: ${retryAfter}`;
  console.log(`  GET ${path.padEnd(12)} → ${String(status).padEnd(3)}${retry} ${dim(body.length > 100 ? `${body.slice(0, 100)}…` : body)}`);
  for (const line of reports) {
    console.log(`    log level=${line.level} ${line.errorClass} origin=${line.origin} ${line.err.type}: ${line.err.message.slice(0, 50)}  trace_id=${line.trace_id}`);
  }
  const quarantine = logged.filter((line) => line.quarantine);
  for (const line of quarantine) console.log(`    log level=${line.level} ${line.msg}`);
  const what = `${framework} ${path}`;
  if (step.status !== undefined) check(status === step.status, `${what}: expected ${step.status}, got ${status}`);
  check(reports.length === step.reports, `${what}: expected ${step.reports} report line(s), got ${reports.length}`);
  if (step.errorClass) check(reports[0]?.errorClass === step.errorClass, `${what}: expected errorClass ${step.errorClass}`);
  if (step.retryAfter) check(/^\d+$/.test(retryAfter ?? ''), `${what}: expected a Retry-After`);
  if (step.opens) check(quarantine.some((line) => line.quarantine.state === 'open'), `${what}: expected the route to be quarantined`);
  if (step.closes) check(quarantine.some((line) => line.quarantine.state === 'closed'), `${what}: expected the route back in service`);
  if (status >= 500) {
    check(!body.includes('hunter2') && !/\bat .+:\d+:\d+/.test(body), `${what}: internal detail in the body`);
    if (reports[0]) check(body.includes(reports[0].trace_id), `${what}: body and log trace ids differ`);
  }
}

for (const framework of frameworks) {
  console.log(`\n▶ ${framework}: examples/${framework}/server.mjs`);
  const { child, port, lines } = await startExample(framework);
  for (const step of steps) {
    if (step.wait) {
      console.log(`  … ${step.wait} ms: the quarantine's cooldown`);
      await sleep(step.wait);
    } else {
      await run(framework, port, lines, step);
    }
  }
  child.kill('SIGTERM');
}

console.log(
  failures === 0
    ? '\n✓ every crash answered safely, logged once with its trace id; a dependency that is down answered 503 with Retry-After; a route that kept escaping quarantined, then back; every server kept serving'
    : `\n✗ ${failures} problem(s)`,
);
process.exit(failures === 0 ? 0 : 1);
