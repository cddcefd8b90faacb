// The adapters as an ES module application imports them (the READMEs' import lines), on real servers.
import { accessLogLevel, bindToRequest, guard, ready, recover } from '@recover/express';
import fastifyRecover, { guard as fastifyGuard, ready as fastifyReady, recover as fastifyNamed } from '@recover/fastify';
import { accessLogLevel as koaAccessLogLevel, guard as koaGuard, ready as koaReady, recover as koaRecover } from '@recover/koa';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import expectations from './expect.cjs';

if (fastifyRecover !== fastifyNamed) throw new Error('@recover/fastify: the default and the named recover differ');
// The Express README's pino-http line, and its bindToRequest line.
void pinoHttp({ logger: pino(), quietReqLogger: true, customLogLevel: accessLogLevel });
if (typeof koaAccessLogLevel !== 'function' || typeof bindToRequest(() => undefined) !== 'function') throw new Error('exports');

expectations.exitAfter(
  expectations.expectAdapters('ESM', {
    express: { recover, ready, guard },
    fastify: { plugin: fastifyRecover, ready: fastifyReady, guard: fastifyGuard },
    koa: { recover: koaRecover, ready: koaReady, guard: koaGuard },
  }),
);
