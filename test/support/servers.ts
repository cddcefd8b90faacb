import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import Router from '@koa/router';
import express from 'express';
import express4 from 'express4';
import Fastify, { LogController } from 'fastify';
import Koa from 'koa';
import Koa2 from 'koa2';
import type { Logger } from 'pino';
import { recover as recoverExpress } from '@recover/express';
import recoverFastify from '@recover/fastify';
import { recover as recoverKoa } from '@recover/koa';
import type { RecoverOptions } from '@recover/core';
import { listen, type Running } from './http.js';
import { runScenario, streamSlowly } from './scenarios.js';

export type { Running } from './http.js';

/** Every framework and major version recover supports, as the test matrix runs them. */
export const frameworks = ['express', 'express4', 'fastify', 'koa', 'koa2'] as const;
export type Framework = (typeof frameworks)[number];

/** Header that makes the test server open an active SDK span around the request, as HTTP instrumentation would. */
export const START_SPAN = 'x-test-start-span';

/** Wraps a request listener in an active server span when asked, the way @opentelemetry/instrumentation-http does. */
function withServerSpan(listener: RequestListener): RequestListener {
  const tracer = trace.getTracer('conformance');
  return (request: IncomingMessage, response: ServerResponse) => {
    if (request.headers[START_SPAN] === undefined) return listener(request, response);
    tracer.startActiveSpan(`${request.method ?? 'GET'} server`, (span) => {
      response.on('close', () => span.end());
      listener(request, response);
    });
  };
}

/**
 * Starts a real server of `framework` on a loopback port with the one-line recover set-up and the shared
 * routes: `/ok` and `/case/:name` (see scenarios.ts). Express and Koa get `logger` through recover's
 * option; Fastify through its own `loggerInstance`, so recover's default (`request.log`) is exercised.
 */
export async function startServer(framework: Framework, logger: Logger, options: RecoverOptions = {}): Promise<Running> {
  switch (framework) {
    case 'express':
    case 'express4': {
      const app = (framework === 'express' ? express : express4)();
      app.get('/ok', (_req, res) => { res.json({ ok: true }); });
      app.get('/case/:name', (req, res) => runScenario(req.params.name, res));
      app.get('/stream', (_req, res) => streamSlowly(res));
      app.use(recoverExpress({ logger, ...options }));
      return listen(createServer(withServerSpan(app)));
    }
    case 'fastify': {
      const app = Fastify({
        loggerInstance: logger,
        logController: new LogController({ disableRequestLogging: true }),
        requestIdHeader: 'x-request-id',
        serverFactory: (handler) => createServer(withServerSpan(handler)),
      });
      await app.register(recoverFastify, options);
      app.get('/ok', () => ({ ok: true }));
      app.get<{ Params: { name: string } }>('/case/:name', (request, reply) => runScenario(request.params.name, reply.raw));
      app.get('/stream', (_request, reply) => streamSlowly(reply.raw));
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, server: app.server, close: () => app.close() };
    }
    case 'koa':
    case 'koa2': {
      const app = new (framework === 'koa' ? Koa : Koa2)();
      app.use(recoverKoa({ logger, ...options }));
      const router = new Router();
      router.get('/ok', (ctx) => { ctx.body = { ok: true }; });
      router.get('/case/:name', (ctx) => runScenario(ctx.params.name ?? '', ctx.res));
      router.get('/stream', (ctx) => streamSlowly(ctx.res));
      app.use(router.routes());
      const handle = app.callback(); // Koa answers its own rejections: the promise never rejects
      return listen(createServer(withServerSpan((request, response) => { void handle(request, response); })));
    }
  }
}
