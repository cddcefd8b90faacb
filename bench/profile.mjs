// Where a server's time goes under load: `node bench/profile.mjs <framework> <variant> [route] [seconds]`
// (npm run build first). Starts bench/server.mjs under --cpu-prof with the Node that runs this script,
// warms it up, drives `route` (default /error) with autocannon for `seconds` (default 5), and prints the
// busy samples by where they were spent: recover's sources (by file, through the bundle's source map),
// the logger, the framework, Node, V8's stack formatting, GC. The profile is kept under the OS temp dir.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { load } from './lib/load.mjs';
import { distSourceMaps, readProfile } from './lib/profile.mjs';
import { startServer } from './lib/servers.mjs';

const [framework = 'express', variant = 'recover-nolimit', route = '/error', seconds = '5'] = process.argv.slice(2);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recover-profile-'));
const profileDir = join(dir, 'profile');
const node = { bin: process.execPath, version: process.version };

const server = await startServer({ framework, variant, node, flags: ['--cpu-prof', '--cpu-prof-dir', profileDir], root: dir, name: 'server' });
const url = `${server.url}${route}`;
await load({ url, duration: 2, connections: 50, server, latencies: false });
await sleep(200);
const measured = await load({ url, duration: Number(seconds), connections: 50, server, latencies: false });
await server.stop();

const profile = readProfile(profileDir);
const maps = new Map();
/** The source file of a frame of recover's dist (`core/report/normalize.ts`), through its source map. */
function recoverSource(frame) {
  const match = /[\\/]packages[\\/](\w+)[\\/]dist[\\/]([\w.-]+\.c?js)$/.exec(frame.url);
  if (!match) return undefined;
  const [, pkg, file] = match;
  if (!maps.has(pkg)) maps.set(pkg, distSourceMaps(join(ROOT, 'packages', pkg, 'dist')));
  const source = maps.get(pkg).get(file)?.(frame.lineNumber, frame.columnNumber);
  return `${pkg}/${(source ?? file).replace(/^.*\/src\//, '')}`;
}

const CATEGORIES = [
  ['pino', /node_modules[\\/](pino|sonic-boom|pino-std-serializers|quick-format-unescaped|safe-stable-stringify|@pinojs)[\\/]/],
  ['express', /node_modules[\\/](express|router|finalhandler|send|body-parser|on-finished|path-to-regexp|qs|parseurl)[\\/]/],
  ['fastify', /node_modules[\\/](fastify|find-my-way|avvio|light-my-request|fast-json-stringify|@fastify)[\\/]/],
  ['koa', /node_modules[\\/](koa|@koa|koa-compose|statuses|http-errors|depd|delegates|cookies|accepts|content-type)[\\/]/],
  ['node:http', /^node:(internal\/)?(_http|http)/],
  ['node:net/stream', /^node:(internal\/)?(net|stream|streams|internal\/streams)/],
];

const byId = new Map(profile.nodes.map((entry) => [entry.id, entry]));
const self = new Map();
const categories = new Map();
let busy = 0;
for (const id of profile.samples) {
  const frame = byId.get(id).callFrame;
  if (frame.functionName === '(idle)' || frame.functionName === '(program)') continue;
  busy++;
  const source = recoverSource(frame);
  const category = frame.functionName === '(garbage collector)'
    ? 'GC'
    : source !== undefined
      ? `recover: ${source}`
      : (CATEGORIES.find(([, pattern]) => pattern.test(frame.url))?.[0] ?? (frame.url === '' ? 'V8 built-ins (stack formatting, JSON, regexp…)' : 'other'));
  categories.set(category, (categories.get(category) ?? 0) + 1);
  const key = `${frame.functionName || '(anonymous)'}  ${source ?? frame.url.replace(/^.*node_modules[\\/]/, '')}`;
  self.set(key, (self.get(key) ?? 0) + 1);
}

const pct = (count) => `${((count / busy) * 100).toFixed(1).padStart(5)}%`;
console.log(`${framework} ${variant} ${route}, ${process.version}: ${Math.round(measured.rps)} req/s, ${measured.cpuPerRequestUs?.toFixed(1)} µs CPU per request, ${busy} busy samples`);
console.log('\nself time by place:');
for (const [name, count] of [...categories].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${pct(count)}  ${name}`);
console.log('\ntop functions by self time:');
for (const [name, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${pct(count)}  ${name}`);
console.log(`\nprofile: ${join(profileDir, readdirSync(profileDir)[0] ?? '')}`);
