import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createRecover, dropRepresentationHeaders, droppedOnError, readiness, requestLogger, watchEscapedErrors } from '@recover/core/adapter';
import type { RecoverOptions } from '@recover/core';

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
  // An escaped error only has the bare request, not Fastify's: it is logged through the app's logger.
  watchEscapedErrors(core, () => ({ logger: requestLogger(fastify.log) }));
  fastify.setErrorHandler(function recoverFastify(error: unknown, request: FastifyRequest, reply: FastifyReply) {
    const answer = core.handle(error, {
      request: request.raw,
      response: reply.raw,
      url: request.url,
      route: request.routeOptions.url,
      requestId: request.id,
      logger: requestLogger(request.log),
    });
    // No answer: headers were already sent and recover destroyed the response.
    if (!answer) return;
    // Headers of the failed representation go (a stale Content-Encoding would garble the body); CORS,
    // security headers and cookies stay.
    for (const name of Object.keys(reply.getHeaders())) if (droppedOnError(name)) reply.removeHeader(name);
    dropRepresentationHeaders(reply.raw);
    void reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  done();
};

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

export { bindToRequest } from '@recover/core';
export type { RecoverOptions, RecoverReport, Logger } from '@recover/core';
