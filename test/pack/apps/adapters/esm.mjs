// The adapters' README snippets as an ES module application writes them, each on a real server.
import { once } from 'node:events';
import Router from '@koa/router';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { accessLogLevel, bindToRequest, guard, ready, recover } from '@recover/express';
import fastifyRecover, { guard as fastifyGuard, ready as fastifyReady, recover as fastifyNamed } from '@recover/fastify';
import { accessLogLevel as koaAccessLogLevel, guard as koaGuard, ready as koaReady, recover as koaRecover } from '@recover/koa';
import expectations from './expect.cjs';

const { expectGuarded, expectRecovered } = expectations;
const crash = () => {
  throw new Error('connection refused: secret-db-password');
};

const app = express();
app.use(pinoHttp({ logger: pino(), quietReqLogger: true, customLogLevel: accessLogLevel }));
app.get('/crash', crash);
app.get('/ok', (_req, res) => void res.send('ok'));
app.get('/ready', ready());
app.use(recover()); // after the routes, like any Express error handler
const server = app.listen(0);
await once(server, 'listening');
await expectRecovered('express (ESM)', `http://127.0.0.1:${server.address().port}`);
server.close();

if (fastifyRecover !== fastifyNamed) throw new Error('fastify: the default and named exports differ');
const fastify = Fastify({ logger: true });
await fastify.register(fastifyRecover);
fastify.get('/crash', crash);
fastify.get('/ok', () => 'ok');
fastify.get('/ready', fastifyReady());
await expectRecovered('fastify (ESM)', await fastify.listen({ port: 0, host: '127.0.0.1' }));
await fastify.close();

const koa = new Koa();
koa.use(koaRecover()); // first, so it wraps everything below it
const router = new Router();
router.get('/crash', crash);
router.get('/ok', (ctx) => void (ctx.body = 'ok'));
router.get('/ready', koaReady());
koa.use(router.routes());
const koaServer = koa.listen(0);
await once(koaServer, 'listening');
await expectRecovered('koa (ESM)', `http://127.0.0.1:${koaServer.address().port}`);
koaServer.close();

for (const [label, job] of [['express', guard], ['fastify', fastifyGuard], ['koa', koaGuard]]) await expectGuarded(label, job);
if (typeof koaAccessLogLevel !== 'function' || typeof bindToRequest(() => {}) !== 'function') throw new Error('exports');
process.exit(0);
