// The chaos suite's server: one route per way of failing, in its own process, with recover set up the
// one-line way. Usage: node --import tsx test/chaos/server.ts <express|express4|fastify|koa|koa2> [crash|quarantine]
// It prints pino lines on stdout (synchronously), the first one `{"msg":"listening","port":N}`.
// Routes: GET /chaos/<kind> for every kind of the mix (kinds.ts), GET /rss (the process's RSS in bytes).
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import createError from 'http-errors';
import { pino } from 'pino';
import type { RecoverOptions } from '@recover/core';
import { bindToRequest } from '@recover/express';
import { serveFromCommandLine, type Route } from '@recover/test-support/frameworks';
import { CHAOS_QUARANTINE, FLAKY_PERIOD, HUGE_MARK, MIXES, SECRET, type KindName, type MixName } from './kinds.js';

const mix = (process.argv[3] ?? 'crash') as MixName;
const KINDS = MIXES[mix];
const logger = pino(pino.destination({ dest: 1, sync: true }));
// crash: every escape answered on its own request, however often its route escapes. quarantine: recover's
// defaults (a crash budget of 5: the storm must not spend it) with a short quarantine.
const options: RecoverOptions = mix === 'crash' ? { logger, budget: 1_000_000, logLimit: false, quarantine: false } : { logger, logLimit: false, quarantine: CHAOS_QUARANTINE };

/** A loopback port nothing listens on: bound, then closed. */
const closedPort = await new Promise<number>((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo;
    probe.close(() => { resolve(port); });
  });
});

/** The flaky route fails in the first half of each period: its breaker opens, then closes once it recovers. */
const flakyFails = () => Date.now() % FLAKY_PERIOD < FLAKY_PERIOD / 2;
/** Whether the kind's handler answers by itself: the healthy route, and the flaky one while it works. */
const answersOk = (name: KindName) => name === 'healthy' || (name === 'flaky-escape' && !flakyFails());

// Built once: a 1 MB message, and a 1 MB stack of plausible frames that name internal paths.
const HUGE_MESSAGE = `${SECRET} ${HUGE_MARK} `.repeat(Math.ceil(1024 * 1024 / (SECRET.length + HUGE_MARK.length + 2)));
const HUGE_STACK = `Error: ${SECRET} huge stack\n${'    at internalBilling (/srv/app/internal/billing.js:12:34)\n'.repeat(1024 * 1024 / 60)}`;

// Shared code: an emitter fired from a timer started outside any request (a pool, a queue client).
const bus = new EventEmitter();
bus.setMaxListeners(0);
setInterval(() => bus.emit('tick'), 2).unref();

const tick = () => new Promise((resolve) => setImmediate(resolve));

function circular(): object {
  const value: Record<string, unknown> = { note: `${SECRET} circular` };
  value.self = value;
  return value;
}

function hostileProxy(): object {
  return new Proxy({}, {
    get() { throw new Error(`${SECRET} proxy get trap ran`); },
    getPrototypeOf() { throw new Error(`${SECRET} proxy getPrototypeOf trap ran`); },
    ownKeys() { throw new Error(`${SECRET} proxy ownKeys trap ran`); },
    has() { throw new Error(`${SECRET} proxy has trap ran`); },
    getOwnPropertyDescriptor() { throw new Error(`${SECRET} proxy descriptor trap ran`); },
  });
}

function throwingGetter(): object {
  return {
    get message(): string { throw new Error(`${SECRET} getter ran`); },
    get stack(): string { throw new Error(`${SECRET} stack getter ran`); },
    toString(): string { throw new Error(`${SECRET} toString ran`); },
    note: `${SECRET} getter object`,
  };
}

/** A body that fails after its first chunk, as a broken upstream or file read does. */
function failingReadable(): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push('first chunk\n');
      } else {
        setImmediate(() => this.destroy(new Error(`${SECRET} stream source failed`)));
      }
    },
  });
}

/** A long, slow body: the first chunk at once, then one every 20 ms. */
async function* slowChunks(): AsyncGenerator<string> {
  yield 'chunk 0\n';
  for (let i = 1; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    yield `chunk ${i}\n`;
  }
}

/** How each kind fails, on the raw response so one table serves every framework. */
const RUN: Record<Exclude<KindName, 'healthy'>, (res: ServerResponse, id: string) => unknown> = {
  'sync-throw': () => { throw new Error(`${SECRET} sync password=hunter2`); },
  'async-reject': async () => { await tick(); throw new TypeError(`${SECRET} async in /srv/app/internal/billing.js`); },
  'timer-escape': (_res, id) => setTimeout(() => { throw new Error(`${SECRET} timer escaped ${id}`); }, 1),
  // eslint-disable-next-line @typescript-eslint/no-floating-promises -- the floating promise is the point
  'floating-rejection': (_res, id) => { Promise.reject(new Error(`${SECRET} floating rejection ${id}`)); },
  'emitter-throw': (_res, id) => bus.once('tick', bindToRequest(() => { throw new Error(`${SECRET} emitter listener ${id}`); })),
  'throw-null': () => { throw null; },
  'throw-string': () => { throw `${SECRET} string token=abc123`; },
  'throw-number': () => { throw 4242; },
  'throw-symbol': () => { throw Symbol(`${SECRET} symbol`); },
  'throw-plain': () => { throw { code: 'E_PLAIN', note: `${SECRET} plain` }; },
  'throw-circular': () => { throw circular(); },
  'throw-proxy': () => { throw hostileProxy(); },
  'throw-getter': () => { throw throwingGetter(); },
  'cause-chain': () => {
    throw new Error('outer failure', { cause: new RangeError(`${SECRET} inner cause`, { cause: new Error(`${SECRET} root cause`) }) });
  },
  'aggregate': async () => {
    await tick();
    throw new AggregateError([new Error(`${SECRET} first part`), new SyntaxError(`${SECRET} second part`)], 'many failed');
  },
  'http-4xx-expose': () => { throw createError(404, 'No such widget'); },
  'http-4xx-hidden': () => { throw createError(422, `${SECRET} validation internals`, { expose: false }); },
  'status-5xx': () => { throw Object.assign(new Error(`${SECRET} upstream at 10.0.0.7`), { statusCode: 503 }); },
  'after-headers': (res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('partial body ');
    throw new Error(`${SECRET} late failure after headers`);
  },
  'stream-error': async (res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    await pipeline(failingReadable(), res);
  },
  'client-abort': async (res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    await pipeline(Readable.from(slowChunks()), res);
  },
  'huge-message': () => { throw new Error(HUGE_MESSAGE); },
  'huge-stack': () => { throw Object.assign(new Error(`${SECRET} huge stack`), { stack: HUGE_STACK }); },
  'transient-fetch': async () => { await fetch(`http://127.0.0.1:${closedPort}/${SECRET}`); },
  'transient-escape': (_res, id) => setTimeout(() => { throw Object.assign(new Error(`${SECRET} upstream reset ${id}`), { code: 'ECONNRESET' }); }, 1),
  'flaky-escape': (_res, id) => setTimeout(() => { throw new Error(`${SECRET} flaky escaped ${id}`); }, 1),
};

const idOf = (request: IncomingMessage) => String(request.headers['x-request-id']);

const routes: Route[] = [
  { path: '/rss', json: () => ({ rss: process.memoryUsage().rss }) },
  ...KINDS.map(({ name, escapes }): Route => name === 'healthy'
    ? { path: `/chaos/${name}`, json: () => ({ ok: true }) }
    : {
      path: `/chaos/${name}`,
      raw: (request, response) => (answersOk(name) ? answerJson(response, { ok: true }) : RUN[name](response, idOf(request))),
      pending: escapes,
    }),
];

function answerJson(response: ServerResponse, body: unknown): void {
  response.statusCode = 200; // Koa starts every response at 404
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify(body));
}

await serveFromCommandLine({
  logger,
  options,
  routes,
});
