import type { ServerResponse } from 'node:http';
import { types } from 'node:util';

// The error an HTTP/2 stream is reset with. Frameworks pass a response's error back (Koa's ctx.onerror):
// it is recover's own doing, not a second error to report.
const kAbort = Symbol.for('recover.abort');

/**
 * Ends a response that had started before the error, so the client sees it fail rather than complete:
 * HTTP/1.1 by destroying the socket, HTTP/2 by resetting only this stream (a plain `destroy()` there ends
 * the stream cleanly, and the client would read a complete 200 that lies).
 */
export function abortResponse(response: ServerResponse): void {
  if (response.writableEnded) return;
  if (!('stream' in response)) {
    response.destroy();
    return;
  }
  const reset = new Error('recover: response aborted after its headers were sent');
  Object.defineProperty(reset, kAbort, { value: true });
  response.destroy(reset);
}

/** True for the error `abortResponse` reset a stream with. Runs no code of the thrown value (no Proxy trap). */
export function isAbort(thrown: unknown): boolean {
  if (typeof thrown !== 'object' || thrown === null || types.isProxy(thrown)) return false;
  return Object.getOwnPropertyDescriptor(thrown, kAbort)?.value === true;
}
