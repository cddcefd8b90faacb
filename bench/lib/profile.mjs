// Where the CPU went in a V8 .cpuprofile (node --cpu-prof): the share of non-idle samples whose stack
// holds a logging frame. A sample counts once however many logging frames its stack holds.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// pino and the packages it writes through (sonic-boom's fs.write callbacks included).
const LOG_PACKAGES = /[\\/]node_modules[\\/](?:pino|pino-std-serializers|pino-abstract-transport|sonic-boom|thread-stream|quick-format-unescaped|safe-stable-stringify|@pinojs[\\/]redact|fast-redact|on-exit-leak-free|atomic-sleep)[\\/]/;
// Node's console (what Express's finalhandler and Koa's app.onerror print with).
const NODE_CONSOLE = /^node:internal\/console\//;
// recover's core is a tsup build: its entry points and the chunk they share. Its frames are mapped back to their source file through the bundle's
// source map: recover's logging is whatever comes from these files (the log line, the log-storm limiter,
// the log destination). Without a source map, these function names stand in.
const RECOVER_BUNDLE = /[\\/](?:packages[\\/]core|@recover[\\/]core)[\\/]dist[\\/](?:index|adapter|chunk-[\w-]+)\.c?js$/;
export const RECOVER_LOG_SOURCES = /(?:^|[\\/])logging[\\/](?:write|log-limit|destination|pino|request-logger|levels)\.ts$/;
export const RECOVER_LOG_FUNCTIONS = [
  'writeReport', 'writeStderr', 'logRecord', 'logMessage', 'rawLogger', 'describeFailure', 'defaultLogger',
  'admit', 'summarise', 'evictOldest', 'fingerprintOf',
];
const RECOVER_LOG = new Set(RECOVER_LOG_FUNCTIONS);

/** The one .cpuprofile in `dir` (the newest if there are several). */
export function readProfile(dir) {
  const names = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).sort();
  if (names.length === 0) throw new Error(`no .cpuprofile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, names[names.length - 1]), 'utf8'));
}

/**
 * Counts samples taken between `from` and `to` (µs, process.hrtime of the profiled process, the clock V8's
 * profiler uses too): idle, non-idle, in any logging (pino, sonic-boom, console, recover's log/limiter),
 * in recover's own logging (those functions and everything they call, pino included), in recover's bundle
 * at all, and in the garbage collector. Also the top functions by self time.
 */
export function analyzeProfile(profile, { from, to, sourceMaps } = {}) {
  const sourceOf = sourceMaps ? (frame) => sourceMaps.get(frame.url.replace(/^.*[\\/]/, ''))?.(frame.lineNumber, frame.columnNumber) : () => undefined;
  const isRecoverBundle = (frame) => RECOVER_BUNDLE.test(frame.url);
  const isRecoverLog = (frame) => {
    if (!isRecoverBundle(frame)) return false;
    const source = sourceOf(frame);
    return source === undefined ? RECOVER_LOG.has(frame.functionName) : RECOVER_LOG_SOURCES.test(source);
  };
  const isLogging = (frame) => LOG_PACKAGES.test(frame.url) || NODE_CONSOLE.test(frame.url) || isRecoverLog(frame);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const flags = new Map();
  const flagsOf = (id) => {
    let cached = flags.get(id);
    if (cached) return cached;
    const frame = byId.get(id).callFrame;
    const up = parent.has(id) ? flagsOf(parent.get(id)) : { logging: false, recoverLog: false, recover: false };
    cached = {
      logging: up.logging || isLogging(frame),
      recoverLog: up.recoverLog || isRecoverLog(frame),
      recover: up.recover || isRecoverBundle(frame),
    };
    flags.set(id, cached);
    return cached;
  };

  const counts = { samples: 0, idle: 0, nonIdle: 0, logging: 0, recoverLog: 0, recover: 0, gc: 0, outside: 0 };
  const self = new Map();
  const window = from !== undefined && to !== undefined && from >= profile.startTime && to <= profile.endTime + 1e6;
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    if (window && (time < from || time > to)) {
      counts.outside++;
      continue;
    }
    const id = profile.samples[i];
    const frame = byId.get(id).callFrame;
    counts.samples++;
    if (frame.functionName === '(idle)') {
      counts.idle++;
      continue;
    }
    counts.nonIdle++;
    if (frame.functionName === '(garbage collector)') counts.gc++;
    const f = flagsOf(id);
    if (f.logging) counts.logging++;
    if (f.recoverLog) counts.recoverLog++;
    if (f.recover) counts.recover++;
    const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const share = (n) => (counts.nonIdle === 0 ? undefined : n / counts.nonIdle);
  return {
    windowed: window,
    attribution: sourceMaps ? 'source map' : 'function names',
    ...counts,
    loggingShare: share(counts.logging),
    recoverLogShare: share(counts.recoverLog),
    recoverShare: share(counts.recover),
    gcShare: share(counts.gc),
    top: [...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([fn, n]) => ({ fn, share: share(n) })),
  };
}

function shortUrl(url) {
  if (!url) return '';
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) return url.slice(modules + 13);
  const packages = url.indexOf('/packages/');
  return packages !== -1 ? url.slice(packages + 1) : url.replace(/^file:\/\//, '');
}

const BASE64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((char, index) => [char, index]));

/** Lookups for every source map of a dist directory, by the name of the file they map. */
export function distSourceMaps(dir) {
  const lookups = new Map();
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.js.map') || file.endsWith('.cjs.map'))) {
    lookups.set(name.slice(0, -'.map'.length), sourceLookup(JSON.parse(readFileSync(join(dir, name), 'utf8'))));
  }
  return lookups;
}

/**
 * A lookup (0-based generated line, column) → source path, from a version 3 source map: for each line, the
 * segments' generated columns and source indexes (fields 1 and 2 of the Base64 VLQ segments).
 */
export function sourceLookup(map) {
  const lines = [];
  let source = 0;
  for (const text of map.mappings.split(';')) {
    const segments = [];
    let column = 0;
    for (const segment of text.split(',')) {
      if (segment === '') continue;
      const fields = decodeVlq(segment);
      column += fields[0];
      if (fields.length >= 4) {
        source += fields[1];
        segments.push([column, source]);
      }
    }
    lines.push(segments);
  }
  return (line, column) => {
    const segments = lines[line];
    if (!segments || segments.length === 0) return undefined;
    let found;
    for (const [start, index] of segments) {
      if (start > column) break;
      found = index;
    }
    return map.sources[found ?? segments[0][1]];
  };
}

function decodeVlq(segment) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.get(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
