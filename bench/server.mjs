// One benchmark server, in its own process: `node [--expose-gc] bench/server.mjs <framework> <variant> <dir>`.
// Started by bench/bench.mjs with an IPC channel; it listens on 127.0.0.1, port 0, and sends
// { type: 'listening', port, node } to the parent. The parent then sends:
//   { type: 'mem' }  → { type: 'mem', usage }   global.gc() twice (with --expose-gc), then process.memoryUsage()
//   { type: 'mark' } → { type: 'mark', hrtime }  process.hrtime in µs: brackets the log-storm window in a CPU profile
//   { type: 'spans' } → { type: 'spans', spans }  otel variants: spans exported so far, after a flush ({ exported, dropped, byName })
//   { type: 'exit' } → process.exit(0)           a clean exit, so --cpu-prof writes its profile
// If the parent goes away (the IPC channel closes), the server exits too: no orphan keeps a core busy.
//
// Routes, the same in every variant: GET /hello (JSON), GET /error (throws), GET /escape (throws from a
// setTimeout the handler started, and never answers by itself).
//
// Variants:
//   bare             the framework alone: no recover, no logger (Fastify `logger: false`, its default)
//   recover          + recover with its defaults, `logger`: pino to <dir>/pino.log (Fastify: logger off, as bare)
//   recover-noquarantine  recover + `quarantine: false`: beside `recover` in the happy path, for the cost of
//                    route quarantine while no route is quarantined
//   native           no recover; the framework's own default error handling, logging every error:
//                    Express's finalhandler and Koa's app.onerror print with console.error (the parent points
//                    stderr at a file), Fastify `logger: { stream: pino.destination(<dir>/pino.log) }`
//   recover-nolimit  native's logging set-up + recover with `logLimit: false` (every error logged in full, like
//                    native); Express and Koa: `logger` pino to <dir>/pino.log; Fastify: through request.log
//   recover-limit    the same with recover's default `logLimit` (10 full reports per kind per 10 s, then a summary)
//   recover-escape   recover-limit + `budget: 1_000_000, window: 1000, quarantine: false`: the crash budget
//                    is never spent and the route never quarantined, so every escape is answered 500
//                    and the process keeps serving however many errors escape
//   recover-memory   recover-limit, but Fastify's own per-request access lines are off (its logger stays on, so
//                    recover still logs through request.log): the memory measure is about what recover retains,
//                    and a million asynchronous access-log writes grow the allocator's arenas by themselves
//   otel             bare, with the OpenTelemetry Node SDK tracing: needs the preload, started by the parent as
//                    `node --import <bench/lib/otel.mjs URL> bench/server.mjs …` (NodeSDK, the HTTP and framework
//                    instrumentations, spans counted and dropped); the server refuses to start without it
//   otel-recover     otel + recover installed the one-line way, no options: app.use(recover()), app.register(recover)
//
// The framework is required (CommonJS), not imported, in every variant: the instrumentations hook require.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pino } from 'pino';
import { recover as recoverExpress } from '@recover/express';
import recoverFastify from '@recover/fastify';
import { recover as recoverKoa } from '@recover/koa';

const [framework, variant, dir] = process.argv.slice(2);
const VARIANTS = ['bare', 'recover', 'recover-noquarantine', 'native', 'recover-nolimit', 'recover-limit', 'recover-escape', 'recover-memory', 'otel', 'otel-recover'];
if (!['express', 'fastify', 'koa'].includes(framework) || !VARIANTS.includes(variant) || !dir) {
  console.error(`usage: node bench/server.mjs <express|fastify|koa> <${VARIANTS.join('|')}> <dir>`);
  process.exit(2);
}

/** pino to a file, pino's default destination: sonic-boom, asynchronous writes. */
const fileDestination = () => pino.destination({ dest: join(dir, 'pino.log'), mkdir: true });

const withRecover = variant.startsWith('recover') || variant === 'otel-recover';
// The error-path variants log the way `native` does; the happy-path ones have a silent framework.
const logsLikeNative = !['bare', 'recover', 'recover-noquarantine', 'otel', 'otel-recover'].includes(variant);

const otel = globalThis[Symbol.for('recover.bench.otel')];
if (variant.startsWith('otel') !== (otel !== undefined)) {
  console.error(`bench/server.mjs: the ${variant} variant ${otel ? 'runs without' : 'needs'} the SDK preload, node --import ./bench/lib/otel.mjs`);
  process.exit(2);
}

/** recover's options for this variant; `logger` is added where the framework has no logger of its own. */
function recoverOptions(withLogger) {
  if (variant === 'otel-recover') return undefined; // the one-line way: recover(), app.register(recover)
  const options = {};
  if (withLogger) options.logger = pino(fileDestination());
  if (variant === 'recover-noquarantine') options.quarantine = false;
  if (variant === 'recover-nolimit') options.logLimit = false;
  if (variant === 'recover-escape') Object.assign(options, { budget: 1_000_000, window: 1000, quarantine: false });
  return options;
}

const hello = { hello: 'world' };
const boom = () => new Error('boom: the database said no');
const escape = () => {
  setTimeout(() => { throw new Error('escaped: a timer the handler started'); }, 0);
};

// The framework is required, as a CommonJS app loads it, in every variant: the OpenTelemetry
// instrumentations of the otel variants hook `require` (an ESM app needs the import-in-the-middle loader
// hook for them), and the SDK preload has started before this module runs.
const require = createRequire(import.meta.url);

async function start() {
  switch (framework) {
    case 'express': {
      const express = require('express');
      const app = express();
      app.get('/hello', (_req, res) => { res.json(hello); });
      app.get('/error', () => { throw boom(); });
      app.get('/escape', () => { escape(); });
      if (withRecover) app.use(recoverExpress(recoverOptions(true)));
      return listenNode(app);
    }
    case 'fastify': {
      const { fastify: Fastify, LogController } = require('fastify');
      const options = logsLikeNative ? { logger: { stream: fileDestination() } } : {};
      if (variant === 'recover-memory') options.logController = new LogController({ disableRequestLogging: true });
      const app = Fastify(options);
      // Express and Koa need recover's `logger` option; Fastify's recover logs through request.log, when there is one.
      if (withRecover) await app.register(recoverFastify, recoverOptions(!logsLikeNative));
      app.get('/hello', async () => hello);
      app.get('/error', async () => { throw boom(); });
      app.get('/escape', (_request, reply) => {
        escape();
        return reply; // answered later, by whoever handles the escaped error
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      return app.server.address().port;
    }
    case 'koa': {
      const Koa = require('koa');
      const Router = require('@koa/router');
      const app = new Koa();
      if (withRecover) app.use(recoverKoa(recoverOptions(true)));
      const router = new Router();
      router.get('/hello', (ctx) => { ctx.body = hello; });
      router.get('/error', async () => { throw boom(); });
      router.get('/escape', async () => {
        escape();
        await new Promise(() => {}); // waits for work that never reports back
      });
      app.use(router.routes());
      return listenNode(app);
    }
    default:
      throw new Error(`unknown framework ${framework}`);
  }
}

function listenNode(app) {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => { resolve(server.address().port); });
    server.once('error', reject);
  });
}

function memory() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
  return process.memoryUsage();
}

process.on('message', (message) => {
  switch (message?.type) {
    case 'mem':
      process.send({ type: 'mem', usage: memory() });
      break;
    case 'mark':
      process.send({ type: 'mark', hrtime: Number(process.hrtime.bigint() / 1000n) });
      break;
    case 'spans':
      if (otel) void otel.spans().then((spans) => { process.send({ type: 'spans', spans }); });
      break;
    case 'exit':
      process.exit(0);
      break;
    default:
      break;
  }
});
process.on('disconnect', () => { process.exit(0); });

const port = await start();
process.send({ type: 'listening', port, node: process.version, pid: process.pid });
