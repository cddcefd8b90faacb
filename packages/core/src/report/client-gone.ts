import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SerializedError } from '../types.js';

/** The status logged for a request whose client went away (nginx's convention): nobody to answer. */
export const CLIENT_CLOSED = 499;

// Codes Node and stream libraries give a read or write on a connection the peer has closed.
const GONE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_DESTROYED']);

/**
 * Whether an error only says the client closed the connection (gin's broken-pipe check). Both must hold:
 * the error is one a dead peer produces (or `aborted`), and this request's own connection is gone. An
 * ECONNRESET from an upstream call while the client still waits is a real crash and is not matched.
 */
export function isClientGone(error: SerializedError, request: IncomingMessage, response: ServerResponse): boolean {
  const code = error.code;
  const gone = (code !== undefined && GONE_CODES.has(code)) || error.message === 'aborted' || error.message === 'request aborted';
  if (!gone) return false;
  return request.destroyed || response.destroyed || request.socket.destroyed;
}
