// The adapters' README snippets as a CommonJS application writes them, each on a real server.
const { once } = require('node:events');
const Router = require('@koa/router');
const express = require('express');
const Fastify = require('fastify');
const Koa = require('koa');
const { guard, ready, recover } = require('@recover/express');
const fastifyRecover = require('@recover/fastify');
const { guard: koaGuard, ready: koaReady, recover: koaRecover } = require('@recover/koa');
const { expectGuarded, expectRecovered } = require('./expect.cjs');

const crash = () => {
  throw new Error('connection refused: secret-db-password');
};

async function main() {
  const app = express();
  app.get('/crash', crash);
  app.get('/ok', (_req, res) => void res.send('ok'));
  app.get('/ready', ready());
  app.use(recover());
  const server = app.listen(0);
  await once(server, 'listening');
  await expectRecovered('express (CJS)', `http://127.0.0.1:${server.address().port}`);
  server.close();

  // require('@recover/fastify') is the plugin itself, as with every @fastify/* plugin.
  const fastify = Fastify({ logger: true });
  await fastify.register(fastifyRecover);
  fastify.get('/crash', crash);
  fastify.get('/ok', () => 'ok');
  fastify.get('/ready', fastifyRecover.ready());
  await expectRecovered('fastify (CJS)', await fastify.listen({ port: 0, host: '127.0.0.1' }));
  await fastify.close();

  const koa = new Koa();
  koa.use(koaRecover());
  const router = new Router();
  router.get('/crash', crash);
  router.get('/ok', (ctx) => void (ctx.body = 'ok'));
  router.get('/ready', koaReady());
  koa.use(router.routes());
  const koaServer = koa.listen(0);
  await once(koaServer, 'listening');
  await expectRecovered('koa (CJS)', `http://127.0.0.1:${koaServer.address().port}`);
  koaServer.close();

  for (const [label, job] of [['express', guard], ['fastify', fastifyRecover.guard], ['koa', koaGuard]]) await expectGuarded(label, job);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
