// npm run bench: what recover costs, per framework (Express, Fastify, Koa) and Node version, measured over
// loopback with autocannon against servers in their own child processes (bench/server.mjs).
//
//   node bench/bench.mjs [--quick]      (npm run bench builds the packages first)
//   node bench/bench.mjs --report       rewrites BENCHMARKS.md from bench/results.json and bench/analysis.md
//
// Measures (see BENCHMARKS.md for the method):
//   happy    JSON hello route, recover installed (async context on) vs the bare framework; with an A/A control
//   error    a route that throws: recover (logLimit: false, and default) vs the framework's own error handling
//   escaped  an error thrown from a setTimeout the handler started: recover's rate and availability vs no recover
//   memory   RSS and heap after BENCH_MEMORY_ERRORS errors vs after warm-up, on the target Node
//   storm    CPU share spent logging during BENCH_STORM_SECONDS of one repeating error, on the target Node
//
// Environment (defaults in brackets; --quick or BENCH_QUICK=1 shrinks them for a smoke test):
//   BENCH_FRAMEWORKS [express,fastify,koa]  BENCH_NODES [24,20] (majors, "current" or binary paths; the first 24 is the target)
//   BENCH_SECTIONS [happy,error,escaped,memory,storm]  BENCH_DURATION [2] s per measurement  BENCH_WARMUP [2] s
//   BENCH_ROUNDS [6]  BENCH_CONNECTIONS [50]  BENCH_MEMORY_ERRORS [1000000]  BENCH_MEMORY_WARMUP [50000]
//   BENCH_MEMORY_CHECKPOINTS [5]  BENCH_MEMORY_FLAGS [--min-semi-space-size=16 --max-semi-space-size=16]
//   BENCH_STORM_SECONDS [10]  BENCH_AVAILABILITY_REQUESTS [2000]  BENCH_NOISE [0.02] (band used when the A/A control did not run)
//   BENCH_MD [BENCHMARKS.md]  BENCH_JSON [bench/results.json] (quick mode: under the OS temp dir)  BENCH_KEEP=1 keeps the servers' logs and profiles
//
// Exits 1 when a target is missed by more than the noise band, or a measurement is invalid (wrong statuses,
// a server that died); 0 otherwise.
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, platform, arch } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { availability, load, probe } from './lib/load.mjs';
import { analyzeProfile, distSourceMaps, readProfile, RECOVER_LOG_FUNCTIONS, RECOVER_LOG_SOURCES } from './lib/profile.mjs';
import { formatReport } from './lib/report.mjs';
import { killAll, resolveNode, startServer } from './lib/servers.mjs';
import { extent, mean, median, ratio } from './lib/stats.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
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

const SECTIONS = ['happy', 'error', 'escaped', 'memory', 'storm'];
const config = {
  quick,
  frameworks: list('BENCH_FRAMEWORKS', ['express', 'fastify', 'koa'], ['express', 'fastify', 'koa']),
  nodes: list('BENCH_NODES', ['24', '20']),
  sections: list('BENCH_SECTIONS', SECTIONS, SECTIONS),
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
  assumedNoise: number('BENCH_NOISE', 0.02),
  // A quick run is a smoke test: it leaves the committed BENCHMARKS.md and results.json alone.
  md: process.env.BENCH_MD || (quick ? join(tmpdir(), 'recover-bench-quick', 'BENCHMARKS.md') : join(ROOT, 'BENCHMARKS.md')),
  json: process.env.BENCH_JSON || (quick ? join(tmpdir(), 'recover-bench-quick', 'results.json') : join(ROOT, 'bench', 'results.json')),
  keep: process.env.BENCH_KEEP === '1',
};

/** The targets of issue 5. */
const TARGETS = {
  happyRps: 0.99, // recover / bare requests per second, at least, on the target Node
  happyP99: 1.03, // recover / bare p99 latency, at most, on the target Node
  errorRps: { express: 1.0, fastify: 0.95, koa: 1.0 }, // recover (logLimit: false) / native, at least
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
  if (!server.alive()) throw new Error(`${server.name} died during ${tag}: exit ${JSON.stringify(server.exit)}\n${server.stderr()}`);
  log(`  ${tag.padEnd(34)} ${fmt.int(result.rps).padStart(7)} req/s  p99 ${fmt.ms(result.p99).padStart(6)} ms  server CPU ${fmt.pct(result.cpuShare).padStart(4)}, ${result.cpuPerRequestUs?.toFixed(1) ?? '–'} µs/req${unexpected ? `  ${unexpected} UNEXPECTED statuses ${JSON.stringify(result.statuses)}` : ''}${result.errors ? `  ${result.errors} errors` : ''}`);
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

async function happy(framework, node) {
  const label = `happy ${framework} ${node.version}`;
  log(`\n${label}: bareA, recover, bareB on GET /hello`);
  const servers = [];
  try {
    const bareA = await start(framework, 'bare', node);
    servers.push(bareA);
    const rec = await start(framework, 'recover', node);
    servers.push(rec);
    const bareB = await start(framework, 'bare', node);
    servers.push(bareB);
    const set = { bareA, recover: rec, bareB };
    await warm(set, '/hello', 200, label);
    const all = await rounds(set, ['bareA', 'recover', 'bareB'], '/hello', 200, label);
    const per = all.map((round) => {
      const bareRps = mean(round.bareA.rps, round.bareB.rps);
      const bareP99 = mean(round.bareA.p99, round.bareB.p99);
      const bareCpu = mean(round.bareA.cpuPerRequestUs, round.bareB.cpuPerRequestUs);
      return {
        bareRps, bareP99, bareCpu,
        recoverRps: round.recover.rps, recoverP99: round.recover.p99, recoverCpu: round.recover.cpuPerRequestUs,
        rpsRatio: ratio(round.recover.rps, bareRps),
        p99Ratio: ratio(round.recover.p99, bareP99),
        cpuRatio: ratio(round.recover.cpuPerRequestUs, bareCpu),
        aaRps: ratio(round.bareB.rps, round.bareA.rps),
        aaP99: ratio(round.bareB.p99, round.bareA.p99),
        aaCpu: ratio(round.bareB.cpuPerRequestUs, round.bareA.cpuPerRequestUs),
      };
    });
    const pick = (key) => per.map((p) => p[key]);
    return {
      framework, node: node.version, major: node.major,
      bareRps: median(pick('bareRps')), recoverRps: median(pick('recoverRps')),
      bareP99: median(pick('bareP99')), recoverP99: median(pick('recoverP99')),
      bareCpu: median(pick('bareCpu')), recoverCpu: median(pick('recoverCpu')),
      bareCpuShare: median(all.flatMap((round) => [round.bareA.cpuShare, round.bareB.cpuShare])),
      rpsRatio: median(pick('rpsRatio')), rpsRatioRange: extent(pick('rpsRatio')),
      p99Ratio: median(pick('p99Ratio')), p99RatioRange: extent(pick('p99Ratio')),
      cpuRatio: median(pick('cpuRatio')),
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
    const result = { framework, node: node.version, major: node.major, unexpected: unexpectedIn(all), perRound: per, rounds: slimRounds(all) };
    for (const key of Object.keys(per[0])) result[key] = median(pick(key));
    result.nolimitRatioRange = extent(pick('nolimitRatio'));
    result.limitRatioRange = extent(pick('limitRatio'));
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
      framework, node: node.version, major: node.major,
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
      framework, node: node.version, major: node.major,
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
      framework, node: node.version, major: node.major, variant,
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
  const sets = happyResults.filter((h) => h.aaRps !== undefined);
  if (sets.length === 0) {
    return { measured: false, rps: config.assumedNoise, p99: config.assumedNoise, sets: 0 };
  }
  const perRoundRps = extent(sets.flatMap((h) => h.perRound.map((p) => p.aaRps)));
  const perRoundP99 = extent(sets.flatMap((h) => h.perRound.map((p) => p.aaP99)));
  return {
    measured: true,
    sets: sets.length,
    rounds: config.rounds,
    rps: Math.max(...sets.map((h) => Math.abs(h.aaRps - 1))),
    p99: Math.max(...sets.map((h) => Math.abs(h.aaP99 - 1))),
    perRoundRps,
    perRoundP99,
    medians: sets.map((h) => ({ framework: h.framework, node: h.node, rps: h.aaRps, p99: h.aaP99 })),
  };
}

function judge(results, targetNode) {
  const band = results.noise;
  const verdicts = [];
  const add = (verdict) => { verdicts.push(verdict); };
  for (const h of results.happy) {
    const judged = h.major === targetNode.major;
    add({ measure: 'happy', framework: h.framework, node: h.node, what: 'req/s recover ÷ bare', value: h.rpsRatio, target: `≥ ${TARGETS.happyRps}`, band: band.rps, judged, pass: h.rpsRatio >= TARGETS.happyRps - band.rps });
    add({ measure: 'happy', framework: h.framework, node: h.node, what: 'p99 recover ÷ bare', value: h.p99Ratio, target: `≤ ${TARGETS.happyP99}`, band: band.p99, judged, pass: h.p99Ratio <= TARGETS.happyP99 + band.p99 });
  }
  for (const e of results.error) {
    const target = TARGETS.errorRps[e.framework];
    add({ measure: 'error', framework: e.framework, node: e.node, what: 'req/s recover (logLimit: false) ÷ native', value: e.nolimitRatio, target: `≥ ${target}`, band: band.rps, judged: true, pass: e.nolimitRatio >= target - band.rps });
  }
  for (const x of results.escaped) {
    add({ measure: 'escaped', framework: x.framework, node: x.node, what: 'answered 500 ÷ sent, process alive', value: x.recover.availability, target: '= 1, alive', band: 0, judged: true, pass: x.recover.availability === 1 && x.recover.aliveAfter });
  }
  for (const m of results.memory) {
    add({ measure: 'memory', framework: m.framework, node: m.node, what: 'RSS growth, MB', value: m.rssGrowthMB, target: `< ${TARGETS.memoryGrowthMB}`, band: 0, judged: true, pass: m.rssGrowthMB < TARGETS.memoryGrowthMB });
    add({ measure: 'memory', framework: m.framework, node: m.node, what: 'heap used growth, MB', value: m.heapUsedGrowthMB, target: `< ${TARGETS.memoryGrowthMB}`, band: 0, judged: true, pass: m.heapUsedGrowthMB < TARGETS.memoryGrowthMB });
  }
  // A measurement with statuses other than the expected one measured something else: it fails.
  for (const [measure, entries] of Object.entries({ happy: results.happy, error: results.error, escaped: results.escaped, memory: results.memory, storm: results.storm })) {
    for (const entry of entries) {
      if (entry.unexpected > 0) {
        add({ measure, framework: entry.framework, node: entry.node, what: 'responses with an unexpected status', value: entry.unexpected, target: '0', band: 0, judged: true, pass: false });
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
  const targetNode = nodes.find((node) => node.major === 24) ?? nodes[0];
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
      nodes: nodes.map(({ entry, version, bin }) => ({ entry, version, bin })),
      targetNode: targetNode.version,
      versions: packageVersions(),
      recoverLogFunctions: RECOVER_LOG_FUNCTIONS,
      recoverLogSources: String(RECOVER_LOG_SOURCES),
    },
    config: { ...config, md: relative(ROOT, config.md), json: relative(ROOT, config.json) },
    targets: TARGETS,
    happy: [], error: [], escaped: [], memory: [], storm: [],
  };
  log(`bench: ${results.meta.machine.cpu}, ${results.meta.machine.cores} cores; servers on ${nodes.map((node) => node.version).join(' and ')} (target ${targetNode.version}); ` +
    `${config.rounds} rounds × ${config.duration} s, ${config.connections} connections${quick ? ' (quick mode)' : ''}; temp ${tmpRoot}`);

  const has = (section) => config.sections.includes(section);
  for (const node of nodes) {
    for (const framework of config.frameworks) {
      if (has('happy')) results.happy.push(await happy(framework, node));
      if (has('error')) results.error.push(await errorPath(framework, node));
      if (has('escaped')) results.escaped.push(await escaped(framework, node));
    }
  }
  for (const framework of config.frameworks) {
    if (has('memory')) results.memory.push(await memory(framework, targetNode));
    if (has('storm')) {
      results.storm.push(await storm(framework, targetNode, 'recover-limit'));
      results.storm.push(await storm(framework, targetNode, 'recover-nolimit'));
    }
  }

  results.noise = noiseBand(results.happy);
  results.verdicts = judge(results, targetNode);
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
    log(`bench: FAIL, ${failed.length} target(s) missed by more than the noise band:`);
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
  for (const name of ['express', 'fastify', 'koa', '@koa/router', 'pino', 'autocannon', '@recover/core']) {
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
