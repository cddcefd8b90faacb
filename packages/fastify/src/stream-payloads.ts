import { AsyncResource } from 'node:async_hooks';
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import { isStream, type Recover, type RequestDetails } from '@recover/core/adapter';

/**
 * An `onSend` hook for `reply.send(stream)`: a stream that fails after the headers went out never reaches
 * the error handler (Fastify only logs a warning of its own, without the trace id, and destroys the
 * response). Its error is reported here, once, at error, in the request's async context, so with its
 * trace. A stream that fails before the headers is left to Fastify, which hands it to the error handler.
 */
export function reportStreamErrors(core: Recover, detailsOf: (request: FastifyRequest) => RequestDetails): onSendHookHandler {
  return function recoverStreamPayload(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void): void {
    if (isStream(payload)) {
      payload.once('error', AsyncResource.bind((error: unknown) => {
        if (reply.raw.headersSent) core.handle(error, { ...detailsOf(request), request: request.raw, response: reply.raw });
      }));
    }
    done(null, payload);
  };
}
