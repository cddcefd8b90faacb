import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createRecover, requestLogger, watchEscapedErrors, type RecoverOptions } from '@recover/core';

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

export { bindToRequest } from '@recover/core';
export type { RecoverOptions, RecoverReport, Logger } from '@recover/core';
