// Chaos driver: for each framework, starts test/chaos/server.ts in a child process and sends a seeded mix
// of failing requests over loopback at a fixed concurrency, then checks every answer and every log line.
// Usage: node --import tsx test/chaos/chaos.ts [--count N] [--seed N] [--frameworks express,fastify] [--mixes crash,quarantine]
// env: CHAOS_COUNT (default 100000 per framework and mix), CHAOS_SEED, CHAOS_FRAMEWORKS, CHAOS_MIXES.
// Exits non-zero on any violation, naming it.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LogLine } from '@recover/test-support/capture';
import { send } from '@recover/test-support/http';
import { CHAOS_QUARANTINE, HUGE_MARK, MIXES, SECRET, type Kind, type MixName } from './kinds.js';

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
export const ALL_FRAMEWORKS = ['express', 'express4', 'fastify', 'koa', 'koa2'] as const;
export const ALL_MIXES: readonly MixName[] = ['crash', 'quarantine'];
export const DEFAULT_SEED = 0xc4a05;
const DEFAULT_COUNT = 100_000;
const REQUEST_TIMEOUT = 5000;
const MAX_BODY = 64 * 1024;
const STACK_FRAME = /\bat .+:\d+:\d+/;
const TRACE_ID = /^[0-9a-f]{32}$/;

export interface ChaosOptions {
  /** Requests per framework. */
  count: number;
  seed: number;
  concurrency?: number;
  frameworks?: readonly string[];
  mixes?: readonly MixName[];
  /** Progress lines go here (default: none). */
  log?: (line: string) => void;
}

export interface FrameworkResult {
  framework: string;
  mix: MixName;
  sent: number;
  /** Requests answered with their kind's expected status (and, for broken kinds, then cut off). */
  asExpected: number;
  /** Broken responses among the after-headers and stream kinds, and how many of those were sent. */
  broken: number;
  brokenExpected: number;
  /** Broken responses the client saw as a reset before any status line (counted in `broken`). */
  resetBeforeHeaders: number;
  hung: number;
  exits: number;
  /** Report lines matched to crash-kind requests, and how many crash-kind requests were sent. */
  reports: number;
  crashes: number;
  /** Report lines (499, level 30) for client-abort requests, at most one each, and how many were sent. */
  abortReports: number;
  aborts: number;
  /** Report lines (with `err`) in the log, and how many of them carry a valid 32-hex trace_id. */
  reportLines: number;
  traced: number;
  /** 5xx bodies with a stack frame, an internal message or the huge message. */
  leaks: number;
  /** The flaky route's answers: 200 (it worked), 500 (it escaped), 503 (quarantined, handler not run). */
  flaky: { ok: number; escaped: number; heldBack: number };
  /** Quarantine lines: openings and closings of the flaky route. */
  opened: number;
  closed: number;
  rssBefore: number;
  rssAfter: number;
  violations: string[];
}

export interface ChaosResult {
  seed: number;
  count: number;
  concurrency: number;
  results: FrameworkResult[];
  violations: string[];
}

/** mulberry32: a small deterministic PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Outcome {
  status: number;
  broken: boolean;
  hung: boolean;
  /** The client hung up on purpose after the first chunk. */
  aborted: boolean;
  body: string;
  requestIdHeader: string | undefined;
  retryAfter: string | undefined;
  connectionClose: boolean;
  error: string | undefined;
}

/** One request over the keep-alive agent; settles within REQUEST_TIMEOUT whatever the server does. */
function fire(agent: Agent, base: string, kind: Kind, id: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const outcome: Outcome = { status: 0, broken: false, hung: false, aborted: false, body: '', requestIdHeader: undefined, retryAfter: undefined, connectionClose: false, error: undefined };
    const finish = (changes: Partial<Outcome>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, ...changes });
    };
    const req = httpRequest(`${base}/chaos/${kind.name}`, { agent, headers: { 'x-request-id': id, accept: 'application/json' } }, (res) => {
      outcome.status = res.statusCode ?? 0;
      const echoed = res.headers['x-request-id'];
      outcome.requestIdHeader = typeof echoed === 'string' ? echoed : undefined;
      outcome.connectionClose = res.headers.connection?.toLowerCase() === 'close';
      outcome.retryAfter = res.headers['retry-after'];
      if (kind.clientAborts) {
        res.once('data', () => {
          req.destroy();
          finish({ aborted: true });
        });
      } else {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (outcome.body.length < MAX_BODY) outcome.body += chunk.slice(0, MAX_BODY - outcome.body.length);
        });
      }
      res.on('end', () => finish({ broken: !res.complete }));
      res.on('aborted', () => finish({ broken: true }));
      res.on('error', () => finish({ broken: true }));
      res.on('close', () => finish({ broken: !res.complete }));
    });
    const timer = setTimeout(() => {
      finish({ hung: true });
      req.destroy();
    }, REQUEST_TIMEOUT);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ broken: true, error: error.code ?? error.message }));
    req.end();
  });
}

interface Server {
  child: ChildProcess;
  base: string;
  exits: number;
  stderr: string;
  /** Internal messages (SECRET) that reached stderr: errors printed outside the log. */
  stderrSecrets: number;
}

/** Starts the chaos server of `framework` for `mix`; each stdout line goes to `onLine`. */
async function startServer(framework: string, mix: MixName, onLine: (line: LogLine) => void): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, framework, mix], { stdio: ['ignore', 'pipe', 'pipe'] });
  const server: Server = { child, base: '', exits: 0, stderr: '', stderrSecrets: 0 };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    server.stderrSecrets += chunk.split(SECRET).length - 1;
    if (server.stderr.length < 100_000) server.stderr += chunk;
  });
  child.once('exit', () => { server.exits++; });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${framework} chaos server did not start: ${server.stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${framework} chaos server exited with ${String(code)}: ${server.stderr}`)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: 0, msg: 'unparsable stdout line', text: text.slice(0, 200) };
      }
      if (line.msg === 'listening') {
        clearTimeout(timer);
        resolve(line.port as number);
      } else {
        onLine(line);
      }
    });
  });
  server.base = `http://127.0.0.1:${port}`;
  return server;
}

async function rssOf(base: string): Promise<number> {
  const response = await send(`${base}/rss`);
  return (JSON.parse(response.body) as { rss: number }).rss;
}

/** Counts of one kind of violation, reported as one line each with a first example. */
class Tally {
  readonly counts = new Map<string, { count: number; example: string }>();
  add(what: string, example: string): void {
    const entry = this.counts.get(what);
    if (entry) entry.count++;
    else this.counts.set(what, { count: 1, example });
  }
  lines(framework: string): string[] {
    return [...this.counts].map(([what, { count, example }]) => `${framework}: ${what} ×${count} (first: ${example})`);
  }
}

async function runFramework(framework: string, mix: MixName, options: Required<Omit<ChaosOptions, 'log' | 'frameworks' | 'mixes'>>): Promise<FrameworkResult> {
  const { count, seed, concurrency } = options;
  const kinds = MIXES[mix];
  const tally = new Tally();
  const result: FrameworkResult = {
    framework, mix, sent: 0, asExpected: 0, broken: 0, brokenExpected: 0, resetBeforeHeaders: 0, hung: 0, exits: 0, reports: 0, crashes: 0, abortReports: 0, aborts: 0,
    reportLines: 0, traced: 0, leaks: 0, flaky: { ok: 0, escaped: 0, heldBack: 0 }, opened: 0, closed: 0, rssBefore: 0, rssAfter: 0, violations: [],
  };
  // requestId → kind, for requests whose report line has not arrived yet; deleted when matched.
  const expected = new Map<string, Kind>();
  let outstanding = 0; // entries of `expected` that must be matched (client aborts may log nothing)
  // requestId → what the flaky route answered (once known) and how many report lines it got: one for a 500, none else.
  const flaky = new Map<string, { status: number | undefined; lines: number }>();
  const quarantine = quarantineTally(tally, result);

  const onLine = (line: LogLine) => {
    if (!('err' in line)) {
      if (line.quarantine !== undefined) quarantine(line);
      else if (line.level >= 40) tally.add('unexpected warn/error line', JSON.stringify(line).slice(0, 300));
      return;
    }
    result.reportLines++;
    if (typeof line.trace_id === 'string' && TRACE_ID.test(line.trace_id)) result.traced++;
    else tally.add('report line without a 32-hex trace_id', String(line.trace_id));
    const id = typeof line.requestId === 'string' ? line.requestId : '';
    const flakyEntry = flaky.get(id);
    if (flakyEntry) {
      flakyEntry.lines++;
      if (line.level !== 50 || (line.origin !== 'uncaughtException' && line.origin !== 'unhandledRejection')) tally.add('flaky-escape: report at level/origin', `${line.level} ${String(line.origin)}`);
      return;
    }
    const kind = expected.get(id);
    if (!kind) {
      tally.add('report line for no pending crash (duplicate, healthy or unowned)', JSON.stringify(line).slice(0, 300));
      return;
    }
    expected.delete(id);
    if (kind.clientAborts) result.abortReports++;
    else {
      outstanding--;
      result.reports++;
    }
    if (line.level !== kind.level) tally.add(`${kind.name}: report at level ${line.level}, expected ${kind.level}`, id);
    const origin = line.origin;
    const originOk = kind.escapes ? origin === 'uncaughtException' || origin === 'unhandledRejection' : origin === 'handler';
    if (!originOk) tally.add(`${kind.name}: report with origin ${String(origin)}`, id);
    if (kind.clientAborts && line.responseStatus !== 499) tally.add(`${kind.name}: report with status ${String(line.responseStatus)}`, id);
    const errorClass = kind.retryAfter ? 'transient' : kind.clientAborts ? 'transient' : 'bug';
    if (line.errorClass !== errorClass) tally.add(`${kind.name}: errorClass ${String(line.errorClass)}, expected ${errorClass}`, id);
  };

  const server = await startServer(framework, mix, onLine);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    result.rssBefore = await rssOf(server.base);
    const random = mulberry32(seed);
    let next = 0;

    const check = (kind: Kind, id: string, outcome: Outcome) => {
      if (outcome.hung) {
        result.hung++;
        tally.add(`${kind.name}: not settled within ${REQUEST_TIMEOUT} ms`, id);
        return;
      }
      if (kind.quarantinable) {
        checkFlaky(kind, id, outcome, result, tally);
        (flaky.get(id) as { status: number | undefined }).status = outcome.status;
        return;
      }
      if (kind.broken) {
        result.brokenExpected++;
        if (outcome.broken) result.broken++;
        // Cut off after the status line, or reset before it: Node corks the first write until the next
        // tick, so a response destroyed in the same tick never sent its headers. Either way it is broken.
        if (outcome.status === 0 && outcome.error === 'ECONNRESET') result.resetBeforeHeaders++;
        if (outcome.broken && (outcome.status === kind.status || outcome.status === 0)) result.asExpected++;
        else tally.add(`${kind.name}: status ${outcome.status}, broken ${outcome.broken}, expected ${kind.status} then cut off`, `${id} ${outcome.error ?? ''}`);
        return;
      }
      if (kind.clientAborts) {
        if (outcome.aborted && outcome.status === kind.status) result.asExpected++;
        else tally.add(`${kind.name}: status ${outcome.status}, no first chunk to abort after`, `${id} ${outcome.error ?? ''}`);
        return;
      }
      if (outcome.status === kind.status && !outcome.broken) result.asExpected++;
      else tally.add(`${kind.name}: status ${outcome.status}${outcome.broken ? ' (broken)' : ''}, expected ${kind.status}`, `${id} ${outcome.error ?? ''}`);
      if (outcome.status >= 500) {
        if (STACK_FRAME.test(outcome.body) || outcome.body.includes(SECRET) || outcome.body.includes(HUGE_MARK)) {
          result.leaks++;
          tally.add(`${kind.name}: 5xx body leaks a stack frame or an internal message`, outcome.body.slice(0, 200));
        }
      } else if (outcome.body.includes(SECRET)) {
        tally.add(`${kind.name}: ${outcome.status} body shows an internal message`, outcome.body.slice(0, 200));
      }
      if (kind.detail !== undefined && !outcome.body.includes(kind.detail)) tally.add(`${kind.name}: exposed detail missing from body`, outcome.body.slice(0, 200));
      if (outcome.status >= 400 && outcome.requestIdHeader !== id) tally.add(`${kind.name}: x-request-id not echoed`, `${id} → ${String(outcome.requestIdHeader)}`);
      if (kind.escapes && !outcome.connectionClose) tally.add(`${kind.name}: escaped crash answered without Connection: close`, id);
      if (kind.retryAfter && !/^[5-7]$/.test(outcome.retryAfter ?? '')) tally.add(`${kind.name}: Retry-After ${String(outcome.retryAfter)}, expected 5 to 7`, id);
    };

    const worker = async () => {
      while (next < count) {
        const index = next++;
        const kind = kinds[Math.floor(random() * kinds.length)] as Kind;
        const id = `${framework}-${mix}-${seed}-${index}`;
        if (kind.quarantinable) flaky.set(id, { status: undefined, lines: 0 });
        else if (kind.reports === 1) {
          expected.set(id, kind);
          if (kind.clientAborts) result.aborts++;
          else {
            result.crashes++;
            outstanding++;
          }
        }
        result.sent++;
        check(kind, id, await fire(agent, server.base, kind, id));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));

    // Report lines are written before or right after the answer; give the pipe a moment, then one more.
    const flakyWaiting = () => [...flaky.values()].some((entry) => entry.status === 500 && entry.lines === 0);
    const deadline = Date.now() + 5000;
    while ((outstanding > 0 || flakyWaiting()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    result.rssAfter = await rssOf(server.base);
    for (const [id, kind] of expected) {
      if (!kind.clientAborts) tally.add(`${kind.name}: no report line`, id);
    }
    for (const [id, { status, lines }] of flaky) {
      if (status === 500) {
        result.crashes++;
        if (lines === 1) result.reports++;
      }
      if (lines !== (status === 500 ? 1 : 0)) tally.add(`flaky-escape: ${lines} report lines for a ${String(status)}`, id);
    }

    const healthy = await send(`${server.base}/chaos/healthy`);
    if (healthy.status !== 200) tally.add('healthy route after the run', `status ${healthy.status}`);
  } catch (failure) {
    tally.add('driver failure', failure instanceof Error ? failure.message : String(failure));
  } finally {
    agent.destroy();
  }
  result.exits = server.exits;
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    tally.add('child process exited', `code ${String(server.child.exitCode)} signal ${String(server.child.signalCode)}`);
  }
  if (server.stderr !== '') {
    tally.add(`child wrote to stderr, ${server.stderrSecrets} internal messages in ${server.stderr.length}+ chars`, server.stderr.slice(0, 300));
  }
  const stopped = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill();
  await stopped;
  result.violations = tally.lines(framework);
  return result;
}

/** The flaky route's answer: 200 (it worked), 500 (it escaped) or 503 (quarantined), each as it must be. */
function checkFlaky(kind: Kind, id: string, outcome: Outcome, result: FrameworkResult, tally: Tally): void {
  const { status } = outcome;
  if (outcome.broken || (status !== 200 && status !== 500 && status !== 503)) {
    tally.add(`${kind.name}: status ${status}${outcome.broken ? ' (broken)' : ''}, expected 200, 500 or 503`, `${id} ${outcome.error ?? ''}`);
    return;
  }
  result.asExpected++;
  if (status === 200) result.flaky.ok++;
  else if (status === 500) {
    result.flaky.escaped++;
    if (!outcome.connectionClose) tally.add(`${kind.name}: escaped crash answered without Connection: close`, id);
  } else {
    result.flaky.heldBack++;
    const seconds = Number(outcome.retryAfter);
    const most = Math.ceil((CHAOS_QUARANTINE.cooldown * 2 ** 12) / 1000);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > most) tally.add(`${kind.name}: quarantined 503 with Retry-After ${String(outcome.retryAfter)}`, id);
    if (!outcome.body.startsWith('{"type":"about:blank","title":"Service Unavailable","status":503')) tally.add(`${kind.name}: quarantined 503 body`, outcome.body.slice(0, 200));
  }
  if (status >= 500 && (STACK_FRAME.test(outcome.body) || outcome.body.includes(SECRET))) {
    result.leaks++;
    tally.add(`${kind.name}: 5xx body leaks a stack frame or an internal message`, outcome.body.slice(0, 200));
  }
  if (status >= 500 && outcome.requestIdHeader !== id) tally.add(`${kind.name}: x-request-id not echoed`, `${id} → ${String(outcome.requestIdHeader)}`);
}

/** Checks each quarantine line: the flaky route's, at warn, opening and closing in turn. */
function quarantineTally(tally: Tally, result: FrameworkResult): (line: LogLine) => void {
  let open = false;
  return (line) => {
    const { state, route } = line.quarantine as { state?: unknown; route?: unknown };
    if (line.level !== 40 || route !== '/chaos/flaky-escape') tally.add('quarantine line at the wrong level or for the wrong route', JSON.stringify(line).slice(0, 300));
    if (state === 'open') {
      result.opened++;
      // A trial request that escaped opens the route again: open twice in a row, no closing between.
      open = true;
    } else if (state === 'closed') {
      if (!open) tally.add('quarantine closed while not open', JSON.stringify(line).slice(0, 300));
      result.closed++;
      open = false;
    } else tally.add('quarantine line with no state', JSON.stringify(line).slice(0, 300));
  };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const concurrency = options.concurrency ?? 64;
  const frameworks = options.frameworks ?? ALL_FRAMEWORKS;
  const results: FrameworkResult[] = [];
  for (const mix of options.mixes ?? ALL_MIXES) {
    for (const framework of frameworks) {
      const started = Date.now();
      const result = await runFramework(framework, mix, { count: options.count, seed: options.seed, concurrency });
      options.log?.(`${framework} (${mix}): ${result.sent} requests in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      results.push(result);
    }
  }
  return { seed: options.seed, count: options.count, concurrency, results, violations: results.flatMap((result) => result.violations) };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** The result as a Markdown table, one row per framework and mix. */
export function formatTable(chaos: ChaosResult): string {
  const header = [
    'framework', 'mix', 'sent', 'expected status', 'broken (after headers/stream)', 'hung', 'exits',
    'report lines per crash', 'client-abort 499 lines', 'trace_id ok', '5xx leaks', 'flaky route 200 / 500 / 503', 'quarantines opened / closed', 'RSS before → after', 'violations',
  ];
  const rows = chaos.results.map((r) => [
    r.framework,
    r.mix,
    String(r.sent),
    `${r.asExpected}/${r.sent}`,
    `${r.broken}/${r.brokenExpected} (${r.resetBeforeHeaders} reset before headers)`,
    String(r.hung),
    String(r.exits),
    `${r.reports}/${r.crashes}`,
    `${r.abortReports}/${r.aborts}`,
    `${r.traced}/${r.reportLines}`,
    String(r.leaks),
    r.mix === 'quarantine' ? `${r.flaky.ok} / ${r.flaky.escaped} / ${r.flaky.heldBack}` : '–',
    r.mix === 'quarantine' ? `${r.opened} / ${r.closed}` : '–',
    `${mb(r.rssBefore)} → ${mb(r.rssAfter)}`,
    String(r.violations.length),
  ]);
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

function integerOf(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`${what} must be a non-negative integer, got ${text}`);
  return value;
}

async function main(): Promise<void> {
  const count = integerOf(argument('count') ?? process.env.CHAOS_COUNT, DEFAULT_COUNT, 'count');
  const seed = integerOf(argument('seed') ?? process.env.CHAOS_SEED, DEFAULT_SEED, 'seed');
  const list = argument('frameworks') ?? process.env.CHAOS_FRAMEWORKS;
  const frameworks = list === undefined ? ALL_FRAMEWORKS : list.split(',').filter((name) => name !== '');
  const mixList = argument('mixes') ?? process.env.CHAOS_MIXES;
  const mixes = mixList === undefined ? ALL_MIXES : (mixList.split(',').filter((name) => name !== '') as MixName[]);
  const unknown = mixes.find((name) => !ALL_MIXES.includes(name));
  if (unknown !== undefined) throw new TypeError(`unknown mix ${unknown}; known: ${ALL_MIXES.join(', ')}`);
  const kinds = mixes.map((name) => `${name} ${MIXES[name].length} kinds`).join(', ');
  console.log(`chaos: seed ${seed} (0x${seed.toString(16)}), ${count} requests per framework and mix, concurrency 64, ${kinds}, node ${process.version}`);
  const chaos = await runChaos({ count, seed, frameworks, mixes, log: (line) => { console.log(line); } });
  console.log(`\n${formatTable(chaos)}\n`);
  if (chaos.violations.length > 0) {
    console.log(`FAIL: ${chaos.violations.length} kinds of violation`);
    for (const line of chaos.violations) console.log(`  ${line}`);
    process.exitCode = 1;
  } else {
    console.log('PASS: no violations');
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
