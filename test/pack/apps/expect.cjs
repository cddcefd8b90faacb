// The READMEs' one-liners on real servers, given what the application loaded from each package (by
// `import` in esm.mjs and server.mjs, by `require` in cjs.cjs and server.cjs), and the answer each
// promises: a crash is a safe 500 problem+json (no message, no stack), the readiness probe answers
// 200, the server keeps serving, and a job wrapped by `guard` reports instead of escaping.
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { createServer } = require('node:http');

const crash = () => {
  throw new Error('connection refused: secret-db-password');
};

/** Sends GET `path` to the server at `base`; resolves with status, content-type and body. */
async function get(base, path) {
  const response = await fetch(new URL(path, base));
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

/** Checks the crash route, the readiness probe and a healthy route of a server listening at `base`. */
async function expectRecovered(label, base) {
  const crashed = await get(base, '/crash');
  assert.equal(crashed.status, 500, `${label}: /crash status`);
  assert.match(crashed.type ?? '', /^application\/problem\+json/, `${label}: /crash content-type`);
  assert.doesNotMatch(crashed.body, /secret-db-password/, `${label}: the 5xx body holds no message`);
  const ready = await get(base, '/ready');
  assert.deepEqual([ready.status, JSON.parse(ready.body)], [200, { status: 'ready' }], `${label}: /ready`);
  const ok = await get(base, '/ok');
  assert.deepEqual([ok.status, ok.body], [200, 'ok'], `${label}: still serving`);
}

/** A job that throws, through `guard`: it reports and resolves with undefined instead of escaping. */
async function expectGuarded(label, guard) {
  const job = guard('pack.job', () => {
    throw new Error('job failed');
  });
  assert.equal(await job(), undefined, `${label}: guard`);
  console.log(`${label}: ok`);
}

async function listening(server) {
  if (!server.listening) await once(server, 'listening');
  return `http://127.0.0.1:${server.address().port}`;
}

/**
 * The adapters' README snippets: `express` and `koa` are `{ recover, ready, guard }` as loaded from
 * their packages, `fastify` what `import recover from` (or `require`) gives, with `ready` and `guard`.
 */
async function expectAdapters(label, { express: fromExpress, fastify: fromFastify, koa: fromKoa }) {
  const express = require('express');
  const app = express();
  app.get('/crash', crash);
  app.get('/ok', (_req, res) => void res.send('ok'));
  app.get('/ready', fromExpress.ready());
  app.use(fromExpress.recover()); // after the routes, like any Express error handler
  const server = app.listen(0);
  await expectRecovered(`express (${label})`, await listening(server));
  server.close();
  await expectGuarded(`express (${label})`, fromExpress.guard);

  const fastify = require('fastify')({ logger: true });
  await fastify.register(fromFastify.plugin);
  fastify.get('/crash', crash);
  fastify.get('/ok', () => 'ok');
  fastify.get('/ready', fromFastify.ready());
  await expectRecovered(`fastify (${label})`, await fastify.listen({ port: 0, host: '127.0.0.1' }));
  await fastify.close();
  await expectGuarded(`fastify (${label})`, fromFastify.guard);

  const Koa = require('koa');
  const Router = require('@koa/router');
  const koa = new Koa();
  koa.use(fromKoa.recover()); // first, so it wraps everything below it
  const router = new Router();
  router.get('/crash', crash);
  router.get('/ok', (ctx) => void (ctx.body = 'ok'));
  router.get('/ready', fromKoa.ready());
  koa.use(router.routes());
  const koaServer = koa.listen(0);
  await expectRecovered(`koa (${label})`, await listening(koaServer));
  koaServer.close();
  await expectGuarded(`koa (${label})`, fromKoa.guard);
}

/** The core README's example, a bare Node server that is its own adapter, with core's exports as loaded. */
async function expectCore(label, { createRecover, readiness, sendErrorResponse, guard }) {
  function handle(request, response) {
    if (request.url === '/crash') crash();
    const { status, body } = request.url === '/ready' ? readiness() : { status: 200, body: 'ok' };
    response.writeHead(status).end(body);
  }
  const recover = createRecover({ stackSize: 8192 });
  const server = createServer((request, response) => {
    try {
      handle(request, response);
    } catch (thrown) {
      const answer = recover.handle(thrown, { request, response });
      if (answer) sendErrorResponse(response, answer); // undefined: headers were sent, response destroyed
    }
  }).listen(0);
  await expectRecovered(`core (${label})`, await listening(server));
  server.close();
  await expectGuarded(`core (${label})`, guard);
}

/** Runs `check`, then exits: recover's process hooks and the frameworks' timers would keep the process up. */
function exitAfter(check) {
  check.then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

module.exports = { expectAdapters, expectCore, exitAfter };
