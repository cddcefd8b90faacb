import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import {
  createRecover, dropRepresentationHeaders, droppedOnError, enterHttp2Request, isQuarantining, quarantined, readiness, requestLogger, watchEscapedErrors,
  type ErrorResponse, type RequestDetails,
} from '@recover/core/adapter';
import type { RecoverOptions } from '@recover/core';
import { reportStreamErrors } from './stream-payloads.js';

// Keys Fastify itself accepts in `register` options; they are not recover's to reject.
const FASTIFY_REGISTER_OPTIONS = ['prefix', 'logLevel', 'logSerializers'];

const plugin: FastifyPluginCallback<RecoverOptions> = function recoverPlugin(fastify: FastifyInstance, options, done) {
  let core: ReturnType<typeof createRecover>;
  try {
    core = createRecover(options, FASTIFY_REGISTER_OPTIONS);
  } catch (error) {
    done(error as Error);
    return;
  }
  // Each route's handler links the bare request to Fastify's reply, under a key of this instance's own,
  // so an error that escapes the request is answered through the reply with its route, id and logger.
  const kReply = Symbol('recover.fastify.reply');
  // With quarantine off, no route of this app is ever held back: the wrapper does not even look.
  const checksQuarantine = core.options.quarantine !== false;
  fastify.addHook('onRoute', (route) => { route.handler = linkReply(route.handler, kReply, checksQuarantine); });
  watchEscapedErrors(core, (req) => {
    const reply = (req as Linked)[kReply];
    if (reply) return { details: detailsOf(reply.request), send: (answer) => { answerWith(reply, answer); } };
    // A route added before recover: this server's, at least, with the app's logger.
    return serverOf(req) === fastify.server ? { details: { logger: requestLogger(fastify.log) } } : undefined;
  });
  fastify.setErrorHandler(function recoverFastify(error: unknown, request: FastifyRequest, reply: FastifyReply) {
    const answer = core.handle(error, { ...detailsOf(request), request: request.raw, response: reply.raw });
    // No answer: headers were already sent and recover destroyed the response.
    if (answer) answerWith(reply, answer);
  });
  fastify.addHook('onSend', reportStreamErrors(core, detailsOf));
  done();
};

/** A bare request linked to the reply that serves it. */
type Linked = IncomingMessage & Record<symbol, FastifyReply | undefined>;

/**
 * The route handler, wrapped to link each bare request to its reply (one property write per request) and
 * to answer a quarantined route's requests without running it (one size read while none is).
 */
function linkReply(handler: RouteHandlerMethod, kReply: symbol, checksQuarantine: boolean): RouteHandlerMethod {
  const linked = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    (request.raw as Linked)[kReply] = reply;
    // An HTTP/2 server that was listening before recover was set up has not been adopted yet.
    enterHttp2Request(request.raw, reply.raw);
    if (checksQuarantine && isQuarantining()) {
      const answer = quarantined(request.raw, reply.raw, request.routeOptions.url);
      if (answer) {
        answerWith(reply, answer);
        return undefined; // sent: nothing for Fastify to send
      }
    }
    return handler.call(this, request, reply);
  };
  // Instrumentation (and Fastify's own errors) name the handler: keep its name.
  Object.defineProperty(linked, 'name', { value: handler.name });
  return linked;
}

/** What Fastify knows of the request: the URL, the route, its id and its logger. */
function detailsOf(request: FastifyRequest): RequestDetails {
  return { url: request.url, route: request.routeOptions.url, requestId: request.id, logger: requestLogger(request.log) };
}

/** Writes an error answer through the reply, keeping the headers that belong to the response as a whole. */
function answerWith(reply: FastifyReply, answer: ErrorResponse): void {
  // Headers of the failed representation go (a stale Content-Encoding would garble the body); CORS,
  // security headers and cookies stay.
  for (const name of Object.keys(reply.getHeaders())) if (droppedOnError(name)) reply.removeHeader(name);
  dropRepresentationHeaders(reply.raw);
  void reply.code(answer.status).headers(answer.headers).send(answer.body);
}

function serverOf(req: IncomingMessage): unknown {
  return (req.socket as { server?: unknown } | undefined)?.server;
}

/**
 * Fastify plugin that reports every error once and answers with a safe problem+json (or text, or HTML)
 * body. Registered with fastify-plugin, so it sets the error handler for the whole application.
 * Options are validated at registration; a bad one rejects `register` with a `TypeError`.
 *
 * @example
 * await app.register(recover);
 */
export const recover = fp(plugin, { fastify: '5.x', name: '@recover/fastify' });
export default recover;

/**
 * A readiness probe route handler: 200 `{"status":"ready"}` while serving, 503 `{"status":"draining"}`
 * once recover drains the process for a restart.
 *
 * @example
 * app.get('/ready', ready());
 */
export function ready(): (request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return function recoverReady(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const { status, body } = readiness();
    return reply.code(status).header('cache-control', 'no-store').type('application/json').send(body);
  };
}

// What this package's README tells users to import: they depend on this package, not on @recover/core.
export { bindToRequest, classifyError, guard } from '@recover/core';
export type { ErrorClass, GuardOptions, Logger, RecoverOptions, RecoverReport } from '@recover/core';
