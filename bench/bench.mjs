// npm run bench: what recover costs, per framework (Express, Fastify, Koa) and Node version, measured over
// loopback with autocannon against servers in their own child processes (bench/server.mjs).
//
//   node bench/bench.mjs [--quick]      (npm run bench builds the packages first)
//   node bench/bench.mjs --report       rewrites BENCHMARKS.md from bench/results.json and bench/analysis.md
//
// Measures (see BENCHMARKS.md for the method), with their targets (TARGETS below):
//   happy    JSON hello route: recover installed (defaults: async context and route quarantine on) vs the bare
//            framework, req/s ≥ 0.99× and p99 ≤ 1.03×; an A/A control (two bare servers); recover with
//            `quarantine: false` beside them, quarantine on ÷ off req/s ≥ 0.99× (issue 12: quarantine costs
//            nothing measurable while no route is quarantined; the adapters' check before each handler, a read
//            of the quarantined set's size, runs either way, so its own cost is inside recover ÷ bare)
//   error    a route that throws, vs the framework's own error handling: recover (default logLimit)
//            req/s ≥ 1.0× native and CPU per error ≤ native; recover (logLimit: false) req/s ≥ 0.90× native
//   escaped  an error thrown from a setTimeout the handler started: every request answered 500, the process
//            alive after; without recover the process dies
//   otel     the happy route with the OpenTelemetry Node SDK started by a preload (bench/lib/otel.mjs: NodeSDK,
//            instrumentation-http and the framework's instrumentation, a BatchSpanProcessor into a counting
//            exporter, no network): SDK + recover (installed the one-line way) ÷ SDK alone req/s ≥ 0.99×
//   memory   RSS and heap growth after BENCH_MEMORY_ERRORS errors vs after warm-up, under 10 MB
//   storm    CPU share spent logging during BENCH_STORM_SECONDS of one repeating error (no target)
// A target is met when the figure is within the run's A/A noise band of it (req/s, p99 and CPU bands).
//
// Node versions: every Node of BENCH_NODES is *judged* (targets apply, every section of BENCH_SECTIONS
// runs) when its major is in BENCH_JUDGED, else *reported* (measured and shown, not judged) and runs only
// the sections also in BENCH_REPORTED_SECTIONS, to keep a full run within about 40 minutes on 2 cores.
// Defaults: Node 26 (the active LTS) and 24 judged, running every section (memory and storm included);
// Node 22 and 20 reported, running happy and error. If no Node of BENCH_NODES is in BENCH_JUDGED (e.g.
// BENCH_NODES=current on Node 20), the first one is judged. Invalid measurements (unexpected statuses, an
// SDK that exported no span per request, a server that died) fail on every Node.
//
// Environment (defaults in brackets; --quick or BENCH_QUICK=1 shrinks them for a smoke test):
//   BENCH_FRAMEWORKS [express,fastify,koa]  BENCH_NODES [26,24,22,20] (majors, "current" or binary paths)
//   BENCH_JUDGED [26,24] (majors)  BENCH_SECTIONS [happy,error,escaped,otel,memory,storm]
//   BENCH_REPORTED_SECTIONS [happy,error] (what reported Nodes run)  BENCH_DURATION [2] s per measurement  BENCH_WARMUP [2] s
//   BENCH_ROUNDS [6]  BENCH_CONNECTIONS [50]  BENCH_MEMORY_ERRORS [1000000]  BENCH_MEMORY_WARMUP [50000]
//   BENCH_MEMORY_CHECKPOINTS [5]  BENCH_MEMORY_FLAGS [--min-semi-space-size=16 --max-semi-space-size=16]
//   BENCH_STORM_SECONDS [10]  BENCH_AVAILABILITY_REQUESTS [2000]  BENCH_NOISE [0.02] (band used when the A/A control did not run)
//   BENCH_OTEL_FRAMEWORK [0] (1: the otel section's SDK also runs the framework's instrumentation, beside HTTP's)
//   BENCH_MD [BENCHMARKS.md]  BENCH_JSON [bench/results.json] (quick mode: under the OS temp dir)  BENCH_KEEP=1 keeps the servers' logs and profiles
//
// Exits 1 when a target is missed on a judged Node by more than the noise band, or a measurement is invalid;
// 0 otherwise (2 when the driver itself fails).
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, platform, arch } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { availability, load, probe } from './lib/load.mjs';
import { analyzeProfile, distSourceMaps, readProfile, RECOVER_LOG_FUNCTIONS, RECOVER_LOG_SOURCES } from './lib/profile.mjs';
import { formatReport } from './lib/report.mjs';
import { killAll, resolveNode, startServer } from './lib/servers.mjs';
import { extent, mean, median, ratio } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The SDK preload of the otel section's servers (node --import). */
const OTEL_PRELOAD = pathToFileURL(fileURLToPath(new URL('./lib/otel.mjs', import.meta.url))).href;
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------- config

const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

function number(name, fallback, { integer = false, min = 0 } = {}) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text.replaceAll('_', ''));
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new TypeError(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${text}"`);
  }
  return value;
}

function list(name, fallback, allowed) {
  const text = process.env[name];
  const values = text === undefined || text === '' ? fallback : text.split(',').map((value) => value.trim()).filter(Boolean);
  if (allowed) {
    const unknown = values.find((value) => !allowed.includes(value));
    if (unknown !== undefined) throw new TypeError(`${name}: unknown "${unknown}"; known: ${allowed.join(', ')}`);
  }
  return values;
}

function majors(name, fallback) {
  const values = list(name, fallback);
  const wrong = values.find((value) => !/^\d+$/.test(value));
  if (wrong !== undefined) throw new TypeError(`${name}: "${wrong}" is not a major version`);
  return values.map(Number);
}

const SECTIONS = ['happy', 'error', 'escaped', 'otel', 'memory', 'storm'];
const config = {
  quick,
  frameworks: list('BENCH_FRAMEWORKS', ['express', 'fastify', 'koa'], ['express', 'fastify', 'koa']),
  nodes: list('BENCH_NODES', ['26', '24', '22', '20']),
  judged: majors('BENCH_JUDGED', ['26', '24']),
  sections: list('BENCH_SECTIONS', SECTIONS, SECTIONS),
  reportedSections: list('BENCH_REPORTED_SECTIONS', ['happy', 'error'], SECTIONS),
  duration: number('BENCH_DURATION', quick ? 1 : 2, { integer: true, min: 1 }),
  warmup: number('BENCH_WARMUP', quick ? 1 : 2, { integer: true }),
  rounds: number('BENCH_ROUNDS', quick ? 2 : 6, { integer: true, min: 1 }),
  connections: number('BENCH_CONNECTIONS', 50, { integer: true, min: 1 }),
  memoryErrors: number('BENCH_MEMORY_ERRORS', quick ? 20_000 : 1_000_000, { integer: true, min: 1 }),
  memoryWarmup: number('BENCH_MEMORY_WARMUP', quick ? 5_000 : 50_000, { integer: true, min: 1 }),
  memoryCheckpoints: number('BENCH_MEMORY_CHECKPOINTS', 5, { integer: true, min: 1 }),
  // A fixed young generation: V8 otherwise grows and shrinks it with the allocation rate, and RSS with it.
  memoryFlags: (process.env.BENCH_MEMORY_FLAGS ?? '--min-semi-space-size=16 --max-semi-space-size=16').split(' ').filter(Boolean),
  stormSeconds: number('BENCH_STORM_SECONDS', quick ? 3 : 10, { integer: true, min: 1 }),
  availabilityRequests: number('BENCH_AVAILABILITY_REQUESTS', quick ? 300 : 2000, { integer: true, min: 1 }),
  otelFramework: process.env.BENCH_OTEL_FRAMEWORK === '1', // read by bench/lib/otel.mjs in the servers
  assumedNoise: number('BENCH_NOISE', 0.02),
  // A quick run is a smoke test: it leaves the committed BENCHMARKS.md and results.json alone.
  md: process.env.BENCH_MD || (quick ? join(tmpdir(), 'recover-bench-quick', 'BENCHMARKS.md') : join(ROOT, 'BENCHMARKS.md')),
  json: process.env.BENCH_JSON || (quick ? join(tmpdir(), 'recover-bench-quick', 'results.json') : join(ROOT, 'bench', 'results.json')),
  keep: process.env.BENCH_KEEP === '1',
};

/** The targets of issues 5, 12 and 14, on the judged Nodes; each is met within the run's A/A noise band. */
const TARGETS = {
  happyRps: 0.99, // recover / bare requests per second, at least
  happyP99: 1.03, // recover / bare p99 latency, at most
  quarantineRps: 0.99, // recover (quarantine on, the default) / recover (quarantine: false) req/s, at least
  errorDefaultRps: 1.0, // recover (default logLimit) / native req/s, at least
  errorDefaultCpu: 1.0, // recover (default logLimit) / native CPU per error, at most
  errorNolimitRps: 0.9, // recover (logLimit: false) / native req/s, at least
  otelRps: 0.99, // SDK + recover / SDK alone req/s, at least
  memoryGrowthMB: 10, // RSS and heap growth after the errors, under
};

// ------------------------------------------------------------------------------------------ lifecycle

const tmpRoot = mkdtempSync(join(tmpdir(), 'recover-bench-'));
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  killAll();
  if (!config.keep) rmSync(tmpRoot, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the servers`);
    cleanup();
    process.exit(130);
  });
}

const log = (line) => { console.log(line); };
const fmt = {
  int: (n) => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US')),
  ms: (n) => (n === undefined ? '–' : n.toFixed(2)),
  pct: (n) => (n === undefined ? '–' : `${(n * 100).toFixed(0)}%`),
};

let serial = 0;
async function start(framework, variant, node, flags = []) {
  serial += 1;
  return startServer({ framework, variant, node, flags, root: tmpRoot, name: `${String(serial).padStart(3, '0')}-${framework}-${variant}-node${node.major}` });
}

async function stopAll(servers) {
  for (const server of servers) {
    await server.stop();
    if (!config.keep) server.remove();
  }
}

/** One autocannon run against a server, with the statuses checked; a server that died is a failure. */
async function measure(server, path, expected, tag, options = {}) {
  const result = await load({ url: server.url + path, connections: config.connections, duration: config.duration, server, ...options });
  const unexpected = Object.entries(result.statuses).filter(([code]) => Number(code) !== expected).reduce((sum, [, count]) => sum + count, 0);
  result.unexpected = unexpected;
  server.completed = (server.completed ?? 0) + result.completed;
  if (!server.alive()) throw new Error(`${server.name} died during ${tag}: exit ${JSON.stringify(server.exit)}\n${server.stderr()}`);
  log(`  ${tag.padEnd(40)} ${fmt.int(result.rps).padStart(7)} req/s  p99 ${fmt.ms(result.p99).padStart(6)} ms  server CPU ${fmt.pct(result.cpuShare).padStart(4)}, ${result.cpuPerRequestUs?.toFixed(1) ?? '–'} µs/req${unexpected ? `  ${unexpected} UNEXPECTED statuses ${JSON.stringify(result.statuses)}` : ''}${result.errors ? `  ${result.errors} errors` : ''}`);
  return result;
}

async function warm(servers, path, expected, label) {
  if (config.warmup === 0) return;
  for (const [key, server] of Object.entries(servers)) {
    await measure(server, path, expected, `${label} warm-up ${key}`, { duration: config.warmup, latencies: false });
  }
}

/** Rounds of alternating measurements: even rounds in `order`, odd rounds reversed (ABBA over pairs of rounds). */
async function rounds(servers, order, path, expected, label) {
  const all = [];
  for (let r = 0; r < config.rounds; r++) {
    const keys = r % 2 === 0 ? order : [...order].reverse();
    const round = {};
    for (const key of keys) round[key] = await measure(servers[key], path, expected, `${label} r${r + 1} ${key}`);
    all.push(round);
  }
  return all;
}

const slim = (m) => ({
  rps: m.rps, p50: m.p50, p99: m.p99, completed: m.completed, seconds: m.seconds, cpuShare: m.cpuShare,
  cpuPerRequestUs: m.cpuPerRequestUs, statuses: m.statuses, errors: m.errors, timeouts: m.timeouts, unexpected: m.unexpected,
});
const slimRounds = (all) => all.map((round) => Object.fromEntries(Object.entries(round).map(([key, m]) => [key, slim(m)])));
const unexpectedIn = (all) => all.reduce((sum, round) => sum + Object.values(round).reduce((s, m) => s + m.unexpected, 0), 0);

// ------------------------------------------------------------------------------------------- sections

/** What every section's result starts with: which framework and Node, and whether its targets apply. */
const about = (framework, node) => ({ framework, node: node.version, major: node.major, judged: node.judged });

async function happy(framework, node) {
  const label = `happy ${framework} ${node.version}`;
  log(`\n${label}: bareA, recover, recover (quarantine: false), bareB on GET /hello`);
  const servers = [];
  try {
    const bareA = await start(framework, 'bare', node);
    servers.push(bareA);
    const rec = await start(framework, 'recover', node);
    servers.push(rec);
    const noQuarantine = await start(framework, 'recover-noquarantine', node);
    servers.push(noQuarantine);
    const bareB = await start(framework, 'bare', node);
    servers.push(bareB);
    const set = { bareA, recover: rec, noQuarantine, bareB };
    await warm(set, '/hello', 200, label);
    const all = await rounds(set, ['bareA', 'recover', 'noQuarantine', 'bareB'], '/hello', 200, label);
    const per = all.map((round) => {
      const bareRps = mean(round.bareA.rps, round.bareB.rps);
      const bareP99 = mean(round.bareA.p99, round.bareB.p99);
      const bareCpu = mean(round.bareA.cpuPerRequestUs, round.bareB.cpuPerRequestUs);
      return {
        bareRps, bareP99, bareCpu,
        recoverRps: round.recover.rps, recoverP99: round.recover.p99, recoverCpu: round.recover.cpuPerRequestUs,
        noQuarantineRps: round.noQuarantine.rps, noQuarantineP99: round.noQuarantine.p99, noQuarantineCpu: round.noQuarantine.cpuPerRequestUs,
        rpsRatio: ratio(round.recover.rps, bareRps),
        p99Ratio: ratio(round.recover.p99, bareP99),
        cpuRatio: ratio(round.recover.cpuPerRequestUs, bareCpu),
        // What route quarantine costs while no route is quarantined: recover as installed ÷ quarantine: false.
        quarantineRps: ratio(round.recover.rps, round.noQuarantine.rps),
        quarantineP99: ratio(round.recover.p99, round.noQuarantine.p99),
        quarantineCpu: ratio(round.recover.cpuPerRequestUs, round.noQuarantine.cpuPerRequestUs),
        aaRps: ratio(round.bareB.rps, round.bareA.rps),
        aaP99: ratio(round.bareB.p99, round.bareA.p99),
        aaCpu: ratio(round.bareB.cpuPerRequestUs, round.bareA.cpuPerRequestUs),
      };
    });
    const pick = (key) => per.map((p) => p[key]);
    return {
      ...about(framework, node),
      bareRps: median(pick('bareRps')), recoverRps: median(pick('recoverRps')), noQuarantineRps: median(pick('noQuarantineRps')),
      bareP99: median(pick('bareP99')), recoverP99: median(pick('recoverP99')), noQuarantineP99: median(pick('noQuarantineP99')),
      bareCpu: median(pick('bareCpu')), recoverCpu: median(pick('recoverCpu')), noQuarantineCpu: median(pick('noQuarantineCpu')),
      bareCpuShare: median(all.flatMap((round) => [round.bareA.cpuShare, round.bareB.cpuShare])),
      rpsRatio: median(pick('rpsRatio')), rpsRatioRange: extent(pick('rpsRatio')),
      p99Ratio: median(pick('p99Ratio')), p99RatioRange: extent(pick('p99Ratio')),
      cpuRatio: median(pick('cpuRatio')),
      quarantineRps: median(pick('quarantineRps')), quarantineRpsRange: extent(pick('quarantineRps')),
      quarantineP99: median(pick('quarantineP99')), quarantineCpu: median(pick('quarantineCpu')),
      aaRps: median(pick('aaRps')), aaRpsRange: extent(pick('aaRps')),
      aaP99: median(pick('aaP99')), aaP99Range: extent(pick('aaP99')),
      aaCpu: median(pick('aaCpu')),
      unexpected: unexpectedIn(all),
      perRound: per,
      rounds: slimRounds(all),
    };
  } finally {
    await stopAll(servers);
  }
}

async function errorPath(framework, node) {
  const label = `error ${framework} ${node.version}`;
  log(`\n${label}: native, recover (logLimit: false), recover (default logLimit) on GET /error`);
  const servers = [];
  try {
    const native = await start(framework, 'native', node);
    servers.push(native);
    const nolimit = await start(framework, 'recover-nolimit', node);
    servers.push(nolimit);
    const limit = await start(framework, 'recover-limit', node);
    servers.push(limit);
    const set = { native, nolimit, limit };
    await warm(set, '/error', 500, label);
    const all = await rounds(set, ['native', 'nolimit', 'limit'], '/error', 500, label);
    const per = all.map((round) => ({
      nativeRps: round.native.rps, nolimitRps: round.nolimit.rps, limitRps: round.limit.rps,
      nativeP99: round.native.p99, nolimitP99: round.nolimit.p99, limitP99: round.limit.p99,
      nativeCpu: round.native.cpuPerRequestUs, nolimitCpu: round.nolimit.cpuPerRequestUs, limitCpu: round.limit.cpuPerRequestUs,
      nolimitRatio: ratio(round.nolimit.rps, round.native.rps),
      limitRatio: ratio(round.limit.rps, round.native.rps),
      nolimitP99Ratio: ratio(round.nolimit.p99, round.native.p99),
      nolimitCpuRatio: ratio(round.nolimit.cpuPerRequestUs, round.native.cpuPerRequestUs),
      limitCpuRatio: ratio(round.limit.cpuPerRequestUs, round.native.cpuPerRequestUs),
    }));
    const pick = (key) => per.map((p) => p[key]);
    const result = { ...about(framework, node), unexpected: unexpectedIn(all), perRound: per, rounds: slimRounds(all) };
    for (const key of Object.keys(per[0])) result[key] = median(pick(key));
    result.nolimitRatioRange = extent(pick('nolimitRatio'));
    result.limitRatioRange = extent(pick('limitRatio'));
    result.limitCpuRatioRange = extent(pick('limitCpuRatio'));
    return result;
  } finally {
    await stopAll(servers);
  }
}

async function escaped(framework, node) {
  const label = `escaped ${framework} ${node.version}`;
  log(`\n${label}: recover (budget 1000000 per 1000 ms) on GET /escape, then no recover`);
  const servers = [];
  try {
    const rec = await start(framework, 'recover-escape', node);
    servers.push(rec);
    await warm({ recover: rec }, '/escape', 500, label);
    const all = await rounds({ recover: rec }, ['recover'], '/escape', 500, label);
    const avail = await availability({ url: `${rec.url}/escape`, count: config.availabilityRequests, concurrency: config.connections });
    const aliveAfter = rec.alive() && (await probe(`${rec.url}/hello`)) === 200;
    log(`  ${label} recover: answered ${avail.answered}/${avail.sent} ${JSON.stringify(avail.statuses)}, alive after: ${aliveAfter}`);

    const bare = await start(framework, 'bare', node);
    servers.push(bare);
    const sentAt = Date.now();
    const dead = await availability({ url: `${bare.url}/escape`, count: config.availabilityRequests, concurrency: config.connections });
    const exit = await Promise.race([bare.exited, sleep(5000).then(() => undefined)]);
    log(`  ${label} no recover: answered ${dead.answered}/${dead.sent}, failures ${JSON.stringify(dead.failures)}, exit ${JSON.stringify(exit && { code: exit.code, signal: exit.signal })}`);
    return {
      ...about(framework, node),
      rps: median(all.map((round) => round.recover.rps)),
      status500Share: ratio(median(all.map((round) => round.recover.statuses[500] ?? 0)), median(all.map((round) => round.recover.completed))),
      unexpected: unexpectedIn(all),
      recover: { ...avail, availability: ratio(avail.statuses[500] ?? 0, avail.sent), aliveAfter },
      bare: {
        ...dead,
        availability: ratio(dead.answered, dead.sent),
        exitCode: exit?.code ?? null,
        exitSignal: exit?.signal ?? null,
        diedAfterMs: exit ? exit.at - sentAt : undefined,
        alive: bare.alive(),
      },
      rounds: slimRounds(all),
    };
  } finally {
    await stopAll(servers);
  }
}

async function otel(framework, node) {
  const label = `otel ${framework} ${node.version}`;
  log(`\n${label}: the OpenTelemetry SDK alone, SDK + recover on GET /hello (SDK preloaded: ${config.otelFramework ? 'HTTP and framework instrumentations' : 'HTTP instrumentation only'})`);
  const servers = [];
  const preload = ['--import', OTEL_PRELOAD];
  try {
    const sdk = await start(framework, 'otel', node, preload);
    servers.push(sdk);
    const sdkRecover = await start(framework, 'otel-recover', node, preload);
    servers.push(sdkRecover);
    const set = { sdk, sdkRecover };
    await warm(set, '/hello', 200, label);
    const all = await rounds(set, ['sdk', 'sdkRecover'], '/hello', 200, label);
    const per = all.map((round) => ({
      sdkRps: round.sdk.rps, recoverRps: round.sdkRecover.rps,
      sdkP99: round.sdk.p99, recoverP99: round.sdkRecover.p99,
      sdkCpu: round.sdk.cpuPerRequestUs, recoverCpu: round.sdkRecover.cpuPerRequestUs,
      rpsRatio: ratio(round.sdkRecover.rps, round.sdk.rps),
      p99Ratio: ratio(round.sdkRecover.p99, round.sdk.p99),
      cpuRatio: ratio(round.sdkRecover.cpuPerRequestUs, round.sdk.cpuPerRequestUs),
    }));
    // The spans each server's SDK exported (after a flush), per request it answered: proof the SDK is active.
    const spans = {};
    for (const [key, server] of Object.entries(set)) {
      const counted = (await server.ask('spans')).spans;
      spans[key] = { ...counted, requests: server.completed, perRequest: ratio(counted.exported, server.completed) };
    }
    log(`  ${label}: spans per request ${fmt.ms(spans.sdk.perRequest)} → ${fmt.ms(spans.sdkRecover.perRequest)} (${Object.keys(spans.sdkRecover.byName).join(', ')}), dropped ${spans.sdk.dropped} / ${spans.sdkRecover.dropped}`);
    const pick = (key) => per.map((p) => p[key]);
    const result = { ...about(framework, node), instrumentations: config.otelFramework ? 'http+framework' : 'http', unexpected: unexpectedIn(all), spans, perRound: per, rounds: slimRounds(all) };
    for (const key of Object.keys(per[0])) result[key] = median(pick(key));
    result.rpsRatioRange = extent(pick('rpsRatio'));
    return result;
  } finally {
    await stopAll(servers);
  }
}

async function memory(framework, node) {
  const label = `memory ${framework} ${node.version}`;
  log(`\n${label}: recover (defaults) on GET /error, ${config.memoryWarmup.toLocaleString('en-US')} warm-up errors, then ${config.memoryErrors.toLocaleString('en-US')} in ${config.memoryCheckpoints} steps`);
  const server = await start(framework, 'recover-memory', node, ['--expose-gc', ...config.memoryFlags]);
  try {
    const startUsage = (await server.ask('mem')).usage;
    const warmRun = await measure(server, '/error', 500, `${label} warm-up`, { amount: config.memoryWarmup, latencies: false });
    await sleep(1000);
    const before = (await server.ask('mem')).usage;
    const curve = [{ errors: 0, ...before }];
    let errors = 0;
    let unexpected = warmRun.unexpected;
    let busySeconds = 0;
    for (let step = 1; step <= config.memoryCheckpoints; step++) {
      const amount = Math.round((config.memoryErrors * step) / config.memoryCheckpoints) - errors;
      const run = await measure(server, '/error', 500, `${label} errors ${fmt.int(errors)}–${fmt.int(errors + amount)}`, {
        amount, latencies: false, guardSeconds: Math.max(600, amount / 200),
      });
      errors += run.completed;
      unexpected += run.unexpected;
      busySeconds += run.seconds;
      await sleep(1000); // pending log writes and timers settle before the count
      curve.push({ errors, ...(await server.ask('mem')).usage });
    }
    const after = curve[curve.length - 1];
    const growth = (key) => (after[key] - before[key]) / MB;
    // Growth over the second half of the errors: a leak keeps its slope; allocator and heap sizing level off.
    const middle = curve[Math.floor(curve.length / 2)];
    const lateSlope = (key) => (middle.errors === after.errors ? undefined : ((after[key] - middle[key]) / MB) * (100_000 / (after.errors - middle.errors)));
    log(`  ${label}: RSS ${(before.rss / MB).toFixed(1)} → ${(after.rss / MB).toFixed(1)} MB (${curve.map((point) => (point.rss / MB).toFixed(0)).join(' → ')}), heap used ${(before.heapUsed / MB).toFixed(1)} → ${(after.heapUsed / MB).toFixed(1)} MB`);
    return {
      ...about(framework, node),
      errors, warmupErrors: warmRun.completed, rps: errors / busySeconds, unexpected,
      atStart: startUsage, before, after, curve,
      rssGrowthMB: growth('rss'), heapUsedGrowthMB: growth('heapUsed'), heapTotalGrowthMB: growth('heapTotal'), externalGrowthMB: growth('external'),
      rssLateSlopeMBPer100k: lateSlope('rss'), heapUsedLateSlopeMBPer100k: lateSlope('heapUsed'),
    };
  } finally {
    await stopAll([server]);
  }
}

async function storm(framework, node, variant) {
  const label = `storm ${framework} ${node.version} ${variant}`;
  log(`\n${label}: ${config.stormSeconds} s of GET /error at full rate, under --cpu-prof`);
  serial += 1;
  const profileDir = join(tmpRoot, `${String(serial).padStart(3, '0')}-profile`);
  mkdirSync(profileDir, { recursive: true });
  // The core build's source maps as the server loads it (the build may be redone before the profile is read).
  const sourceMaps = distSourceMaps(join(ROOT, 'packages', 'core', 'dist'));
  const server = await start(framework, variant, node, ['--cpu-prof', '--cpu-prof-dir', profileDir]);
  try {
    const from = (await server.ask('mark')).hrtime;
    const run = await measure(server, '/error', 500, label, { duration: config.stormSeconds, latencies: false });
    const to = (await server.ask('mark')).hrtime;
    await sleep(1500); // the limiter's summary for the interval is due about now
    await server.stop();
    const analysis = analyzeProfile(readProfile(profileDir), { from, to, sourceMaps });
    const lines = await countLines(join(server.dir, 'pino.log'));
    log(`  ${label}: logging ${fmt.pct(analysis.loggingShare)} of non-idle CPU (recover's log and limiter ${fmt.pct(analysis.recoverLogShare)}), ${lines.reports} full reports, ${lines.summaries} summaries (${lines.suppressed} suppressed), ${lines.total} lines`);
    return {
      ...about(framework, node), variant,
      rps: run.rps, errors: run.completed, unexpected: run.unexpected, seconds: run.seconds, serverCpuShare: run.cpuShare,
      profile: analysis, lines,
    };
  } finally {
    await stopAll([server]);
    if (!config.keep) rmSync(profileDir, { recursive: true, force: true });
  }
}

/** Lines of a pino log: all, report lines (with `err`), recover's summaries and the reports they stand for. */
async function countLines(file) {
  const counts = { total: 0, reports: 0, summaries: 0, suppressed: 0 };
  if (!existsSync(file)) return counts;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    counts.total++;
    if (line.includes('"err":')) counts.reports++;
    if (line.includes('recover: suppressed')) {
      counts.summaries++;
      const match = /"suppressed":(\d+)/.exec(line);
      if (match) counts.suppressed += Number(match[1]);
    }
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------- judge

function noiseBand(happyResults) {
  // The judged Nodes' A/A sets only: a noisier reported Node must not widen the band the targets are judged in.
  const judged = happyResults.filter((h) => h.aaRps !== undefined && h.judged);
  const sets = judged.length > 0 ? judged : happyResults.filter((h) => h.aaRps !== undefined);
  if (sets.length === 0) {
    return { measured: false, rps: config.assumedNoise, p99: config.assumedNoise, cpu: config.assumedNoise, sets: 0 };
  }
  const farthest = (key) => {
    const distances = sets.map((h) => h[key]).filter((value) => typeof value === 'number' && Number.isFinite(value)).map((value) => Math.abs(value - 1));
    return distances.length === 0 ? config.assumedNoise : Math.max(...distances);
  };
  return {
    measured: true,
    sets: sets.length,
    rounds: config.rounds,
    rps: farthest('aaRps'),
    p99: farthest('aaP99'),
    cpu: farthest('aaCpu'), // server CPU per request, from /proc (the assumed band where there is none)
    perRoundRps: extent(sets.flatMap((h) => h.perRound.map((p) => p.aaRps))),
    perRoundP99: extent(sets.flatMap((h) => h.perRound.map((p) => p.aaP99))),
    perRoundCpu: extent(sets.flatMap((h) => h.perRound.map((p) => p.aaCpu))),
    medians: sets.map((h) => ({ framework: h.framework, node: h.node, rps: h.aaRps, p99: h.aaP99, cpu: h.aaCpu })),
  };
}

/**
 * Every figure with a target, as a verdict: `judged` on the judged Nodes (a miss fails the run), shown as
 * "not judged" on the others. Invalid measurements are judged on every Node.
 */
function judge(results) {
  const band = results.noise;
  const verdicts = [];
  const add = (entry, verdict) => { verdicts.push({ framework: entry.framework, node: entry.node, judged: entry.judged, ...verdict }); };
  const atLeast = (value, target, width) => typeof value === 'number' && value >= target - width;
  const atMost = (value, target, width) => typeof value === 'number' && value <= target + width;
  for (const h of results.happy) {
    add(h, { measure: 'happy', what: 'req/s recover ÷ bare', value: h.rpsRatio, target: `≥ ${TARGETS.happyRps}`, band: band.rps, pass: atLeast(h.rpsRatio, TARGETS.happyRps, band.rps) });
    add(h, { measure: 'happy', what: 'p99 recover ÷ bare', value: h.p99Ratio, target: `≤ ${TARGETS.happyP99}`, band: band.p99, pass: atMost(h.p99Ratio, TARGETS.happyP99, band.p99) });
    add(h, { measure: 'happy', what: 'req/s recover (quarantine on) ÷ recover (quarantine: false)', value: h.quarantineRps, target: `≥ ${TARGETS.quarantineRps}`, band: band.rps, pass: atLeast(h.quarantineRps, TARGETS.quarantineRps, band.rps) });
  }
  for (const e of results.error) {
    add(e, { measure: 'error', what: 'req/s recover (default logLimit) ÷ native', value: e.limitRatio, target: `≥ ${TARGETS.errorDefaultRps}`, band: band.rps, pass: atLeast(e.limitRatio, TARGETS.errorDefaultRps, band.rps) });
    if (e.limitCpuRatio !== undefined) { // server CPU comes from /proc: Linux only
      add(e, { measure: 'error', what: 'CPU per error recover (default logLimit) ÷ native', value: e.limitCpuRatio, target: `≤ ${TARGETS.errorDefaultCpu}`, band: band.cpu, pass: atMost(e.limitCpuRatio, TARGETS.errorDefaultCpu, band.cpu) });
    }
    add(e, { measure: 'error', what: 'req/s recover (logLimit: false) ÷ native', value: e.nolimitRatio, target: `≥ ${TARGETS.errorNolimitRps}`, band: band.rps, pass: atLeast(e.nolimitRatio, TARGETS.errorNolimitRps, band.rps) });
  }
  for (const x of results.escaped) {
    add(x, { measure: 'escaped', what: 'answered 500 ÷ sent, process alive', value: x.recover.availability, target: '= 1, alive', band: 0, pass: x.recover.availability === 1 && x.recover.aliveAfter });
  }
  for (const o of results.otel) {
    add(o, { measure: 'otel', what: 'req/s SDK + recover ÷ SDK alone', value: o.rpsRatio, target: `≥ ${TARGETS.otelRps}`, band: band.rps, pass: atLeast(o.rpsRatio, TARGETS.otelRps, band.rps) });
    // An SDK that exported less than a span per request was not tracing what was measured: invalid.
    const fewest = Math.min(o.spans.sdk.perRequest ?? 0, o.spans.sdkRecover.perRequest ?? 0);
    if (!(fewest >= 1)) add(o, { measure: 'otel', what: 'spans exported per request (SDK active)', value: fewest, target: '≥ 1', band: 0, judged: true, pass: false });
  }
  for (const m of results.memory) {
    add(m, { measure: 'memory', what: 'RSS growth, MB', value: m.rssGrowthMB, target: `< ${TARGETS.memoryGrowthMB}`, band: 0, pass: m.rssGrowthMB < TARGETS.memoryGrowthMB });
    add(m, { measure: 'memory', what: 'heap used growth, MB', value: m.heapUsedGrowthMB, target: `< ${TARGETS.memoryGrowthMB}`, band: 0, pass: m.heapUsedGrowthMB < TARGETS.memoryGrowthMB });
  }
  // A measurement with statuses other than the expected one measured something else: it fails on any Node.
  for (const [measure, entries] of Object.entries({ happy: results.happy, error: results.error, escaped: results.escaped, otel: results.otel, memory: results.memory, storm: results.storm })) {
    for (const entry of entries) {
      if (entry.unexpected > 0) {
        add(entry, { measure, what: 'responses with an unexpected status', value: entry.unexpected, target: '0', band: 0, judged: true, pass: false });
      }
    }
  }
  return verdicts;
}

// ----------------------------------------------------------------------------------------------- main

function commandLine() {
  const env = Object.keys(process.env).filter((key) => key.startsWith('BENCH_')).sort().map((key) => `${key}=${process.env[key]}`);
  const event = process.env.npm_lifecycle_event;
  const command = event ? `npm run ${event}` : `node ${relative(ROOT, fileURLToPath(import.meta.url))}${process.argv.slice(2).map((arg) => ` ${arg}`).join('')}`;
  return [...env, command].join(' ');
}

async function main() {
  const started = Date.now();
  log(`bench: resolving Node binaries ${config.nodes.join(', ')}`);
  const nodes = config.nodes.map(resolveNode);
  // Judged: the Nodes of BENCH_JUDGED; if none of them runs, the first Node, so that a run always judges one.
  const judgedAny = nodes.some((node) => config.judged.includes(node.major));
  for (const [index, node] of nodes.entries()) {
    node.judged = judgedAny ? config.judged.includes(node.major) : index === 0;
    node.sections = node.judged ? config.sections : config.sections.filter((section) => config.reportedSections.includes(section));
  }
  const judgedNodes = nodes.filter((node) => node.judged);
  const cpuList = cpus();
  const results = {
    meta: {
      date: new Date(started).toISOString(),
      command: commandLine(),
      machine: {
        cpu: cpuList[0]?.model ?? 'unknown', cores: cpuList.length, memoryGB: totalmem() / 1024 ** 3,
        os: `${platform()} ${release()} ${arch()}`, loadAverageAtStart: loadavg(),
      },
      driver: process.version,
      nodes: nodes.map(({ entry, version, bin, judged, sections }) => ({ entry, version, bin, judged, sections })),
      judgedNodes: judgedNodes.map((node) => node.version),
      versions: packageVersions(),
      recoverLogFunctions: RECOVER_LOG_FUNCTIONS,
      recoverLogSources: String(RECOVER_LOG_SOURCES),
    },
    config: { ...config, md: relative(ROOT, config.md), json: relative(ROOT, config.json) },
    targets: TARGETS,
    happy: [], error: [], escaped: [], otel: [], memory: [], storm: [],
  };
  const describe = (node) => `${node.version} (${node.judged ? 'judged' : 'reported'}: ${node.sections.join(', ') || 'no section'})`;
  log(`bench: ${results.meta.machine.cpu}, ${results.meta.machine.cores} cores; servers on ${nodes.map(describe).join(', ')}; ` +
    `${config.rounds} rounds × ${config.duration} s, ${config.connections} connections${quick ? ' (quick mode)' : ''}; temp ${tmpRoot}`);

  for (const node of nodes) {
    const has = (section) => node.sections.includes(section);
    for (const framework of config.frameworks) {
      if (has('happy')) results.happy.push(await happy(framework, node));
      if (has('error')) results.error.push(await errorPath(framework, node));
      if (has('escaped')) results.escaped.push(await escaped(framework, node));
      if (has('otel')) results.otel.push(await otel(framework, node));
      if (has('memory')) results.memory.push(await memory(framework, node));
      if (has('storm')) {
        results.storm.push(await storm(framework, node, 'recover-limit'));
        results.storm.push(await storm(framework, node, 'recover-nolimit'));
      }
    }
  }

  results.noise = noiseBand(results.happy);
  results.verdicts = judge(results);
  results.meta.machine.loadAverageAtEnd = loadavg();
  results.meta.seconds = (Date.now() - started) / 1000;
  const failed = results.verdicts.filter((verdict) => verdict.judged && !verdict.pass);
  results.pass = failed.length === 0;

  const markdown = formatReport({ ...results, analysis: readAnalysis() });
  mkdirSync(dirname(config.md), { recursive: true });
  writeFileSync(config.md, markdown);
  mkdirSync(dirname(config.json), { recursive: true });
  writeFileSync(config.json, `${JSON.stringify(results, null, 2)}\n`);
  log(`\n${markdown}`);
  log(`bench: ${(results.meta.seconds / 60).toFixed(1)} min; wrote ${relative(ROOT, config.md)} and ${relative(ROOT, config.json)}`);
  if (failed.length > 0) {
    log(`bench: FAIL, ${failed.length} judged figure(s) missed their target by more than the noise band, or measured something else:`);
    for (const verdict of failed) log(`  ${verdict.measure} ${verdict.framework} ${verdict.node}: ${verdict.what} = ${typeof verdict.value === 'number' ? verdict.value.toFixed(3) : verdict.value}, target ${verdict.target} (band ±${(verdict.band * 100).toFixed(1)}%)`);
    process.exitCode = 1;
  } else {
    log('bench: PASS, every target met within the noise band');
  }
}

/** The hand-written explanation of the figures (bench/analysis.md), put at the end of BENCHMARKS.md. */
function readAnalysis() {
  const file = join(ROOT, 'bench', 'analysis.md');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** `--report`: writes the Markdown again from the JSON of the last run (after editing analysis.md), measuring nothing. */
function rewriteReport() {
  const results = readJson(config.json);
  if (!results) throw new Error(`no results at ${config.json}: run the benchmark first`);
  writeFileSync(config.md, formatReport({ ...results, analysis: readAnalysis() }));
  log(`bench: wrote ${relative(ROOT, config.md)} from ${relative(ROOT, config.json)}`);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function packageVersions() {
  const versions = {};
  for (const name of ['express', 'fastify', 'koa', '@koa/router', 'pino', 'autocannon', '@recover/core', '@opentelemetry/sdk-node', '@opentelemetry/instrumentation-http',
    '@opentelemetry/instrumentation-express', '@opentelemetry/instrumentation-koa', '@fastify/otel']) {
    versions[name] = readJson(join(ROOT, 'node_modules', name, 'package.json'))?.version ?? 'unknown';
  }
  return versions;
}

try {
  if (process.argv.includes('--report')) rewriteReport();
  else await main();
} catch (failure) {
  console.error(`bench: failed: ${failure instanceof Error ? failure.stack : String(failure)}`);
  process.exitCode = 2;
} finally {
  cleanup();
}
