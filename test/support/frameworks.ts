// The one framework switch of the test servers: given a framework of the matrix, recover's options and a
// route table, it builds the app with recover set up the one-line way and starts it on a loopback port.
// Used in process by servers.ts (conformance) and in child processes by test/chaos/server.ts and
// test/fixtures/escape-server.ts; each of those declares only its routes and specifics.
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router, { type RouterMiddleware } from '@koa/router';
import express, { type RequestHandler } from 'express';
import express4 from 'express4';
import Fastify, { LogController, type RouteHandlerMethod } from 'fastify';
import Koa from 'koa';
import Koa2 from 'koa2';
import type { Logger } from 'pino';
import type { RecoverOptions } from '@recover/core';
import { recover as recoverExpress } from '@recover/express';
import recoverFastify from '@recover/fastify';
import { recover as recoverKoa } from '@recover/koa';
import { listen, type Running } from './http.js';

/** Every framework and major version recover supports, as the test matrix runs them. */
export const frameworks = ['express', 'express4', 'fastify', 'koa', 'koa2'] as const;
export type Framework = (typeof frameworks)[number];

/** The path's `:name` parameters. */
type Params = Readonly<Record<string, string>>;

/** A handler of each framework's own, for what only the framework's API can do (recover's readiness probes). */
export interface Native {
  express: RequestHandler;
  fastify: RouteHandlerMethod;
  koa: RouterMiddleware;
}

/** A GET route (`:name` parameters in `path`), answered one of three ways. */
export type Route = { path: string } & (
  /** Answers the value (or what its promise resolves to) as JSON the framework's way: `res.json`, a returned object, `ctx.body`. */
  | { json: (request: IncomingMessage) => unknown }
  /**
   * Answers, or fails, on the raw response; what it returns (a promise) or throws goes to the framework.
   * `pending`: unless the handler answered, it then waits on work that never reports back, so only an
   * escaped error answers.
   */
  | { raw: (request: IncomingMessage, response: ServerResponse, params: Params) => unknown; pending?: boolean }
  | { native: Native }
);

export interface App {
  /**
   * Fastify's `loggerInstance`, so recover's default (`request.log`) is used; Express and Koa get it through
   * recover's `logger` option.
   */
  logger: Logger;
  /** recover's options; for Express and Koa they may override `logger`. */
  options?: RecoverOptions;
  routes: readonly Route[];
  /**
   * Routes mounted under a prefix, the framework's own way: an Express router passed to `app.use(prefix)`,
   * a Fastify plugin registered with `prefix`, a Koa router with `prefix`.
   */
  mounts?: Readonly<Record<string, readonly Route[]>>;
  /** Wraps the server's request listener (servers.ts opens a span around each request). */
  wrap?: (listener: RequestListener) => RequestListener;
}

/** Starts `framework`'s app on an ephemeral loopback port: the routes, and recover where its README puts it. */
export async function startApp(framework: Framework, { logger, options = {}, routes, mounts = {}, wrap }: App): Promise<Running> {
  switch (framework) {
    case 'express':
    case 'express4': {
      const app = (framework === 'express' ? express : express4)();
      for (const route of routes) app.get(route.path, expressHandler(route));
      for (const [prefix, mounted] of Object.entries(mounts)) {
        const router = (framework === 'express' ? express : express4).Router();
        for (const route of mounted) router.get(route.path, expressHandler(route));
        app.use(prefix, router);
      }
      app.use(recoverExpress({ logger, ...options }));
      return listen(createServer(wrap ? wrap(app) : app));
    }
    case 'fastify': {
      const app = Fastify({
        loggerInstance: logger,
        logController: new LogController({ disableRequestLogging: true }),
        requestIdHeader: 'x-request-id',
        ...(wrap && { serverFactory: (handler: RequestListener) => createServer(wrap(handler)) }),
      });
      await app.register(recoverFastify, options);
      for (const route of routes) app.get(route.path, fastifyHandler(route));
      for (const [prefix, mounted] of Object.entries(mounts)) {
        await app.register((scope, _options, done) => {
          for (const route of mounted) scope.get(route.path, fastifyHandler(route));
          done();
        }, { prefix });
      }
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, server: app.server, close: () => app.close() };
    }
    case 'koa':
    case 'koa2': {
      const app = new (framework === 'koa' ? Koa : Koa2)();
      app.use(recoverKoa({ logger, ...options }));
      const router = new Router();
      for (const route of routes) router.get(route.path, koaHandler(route));
      app.use(router.routes());
      for (const [prefix, mounted] of Object.entries(mounts)) {
        const scoped = new Router({ prefix });
        for (const route of mounted) scoped.get(route.path, koaHandler(route));
        app.use(scoped.routes());
      }
      const handle = app.callback(); // Koa answers its own rejections: the promise never rejects
      const listener: RequestListener = (request, response) => { void handle(request, response); };
      return listen(createServer(wrap ? wrap(listener) : listener));
    }
  }
}

/**
 * For a server in its own process, `node --import tsx <file> <framework>`: starts the app of the framework
 * named on the command line and logs `{"msg":"listening","port":N}`, the line its parent waits for.
 */
export async function serveFromCommandLine(app: App): Promise<void> {
  const framework = frameworks.find((known) => known === process.argv[2]);
  if (framework === undefined) throw new Error(`unknown framework ${String(process.argv[2])}`);
  const { server } = await startApp(framework, app);
  app.logger.info({ port: (server.address() as AddressInfo).port }, 'listening');
}

function expressHandler(route: Route): RequestHandler {
  if ('native' in route) return route.native.express;
  if ('json' in route) return async (req, res) => { res.json(await route.json(req)); };
  return (req, res) => route.raw(req, res, req.params as Params);
}

function fastifyHandler(route: Route): RouteHandlerMethod {
  if ('native' in route) return route.native.fastify;
  if ('json' in route) return (request) => route.json(request.raw);
  return (request, reply) => {
    const result = route.raw(request.raw, reply.raw, request.params as Params);
    // A pending reply is left unsent, like a handler waiting on the work that fails.
    return route.pending === true && !reply.raw.writableEnded ? reply : result;
  };
}

function koaHandler(route: Route): RouterMiddleware {
  if ('native' in route) return route.native.koa;
  if ('json' in route) return async (ctx) => { ctx.body = await route.json(ctx.req); };
  return async (ctx) => {
    await route.raw(ctx.req, ctx.res, ctx.params);
    if (route.pending === true && !ctx.res.writableEnded) await new Promise(() => {}); // waits for work that will never report back
    ctx.respond = false; // the response was written on ctx.res
  };
}
