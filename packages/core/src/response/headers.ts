import { traceresponse, type TraceIds } from '../telemetry/trace.js';
import type { RecoverReport, RenderedBody } from '../types.js';

// Headers recover owns or that must not come from an error object.
const RESERVED = new Set([
  'content-type', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer',
  'set-cookie', 'x-request-id', 'traceresponse', 'cache-control', 'x-content-type-options', 'content-security-policy',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,1024}$/;

// What described the representation that failed: its body is not the one being sent now. finalhandler
// (Express) drops Content-Encoding, Content-Language and Content-Range; this is the same idea, complete.
const REPRESENTATION = new Set([
  'etag', 'last-modified', 'expires', 'age', 'accept-ranges', 'location', 'retry-after', 'digest', 'repr-digest',
  'transfer-encoding', 'trailer', 'refresh',
]);

/**
 * Whether an error answer drops a header the application set before it failed: everything that described
 * the failed representation (`content-*`, `etag`, `last-modified`, `location`…) goes; what belongs to the
 * response as a whole (CORS, security headers, `vary`, cookies) stays, so a browser can still read the
 * error and its trace id. recover's own headers are set afresh anyway.
 */
export function droppedOnError(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('content-') || REPRESENTATION.has(lower);
}

/** True for a header value that cannot split a header or smuggle a line (no CR, LF or NUL), and is bounded. */
export function isSafeHeaderValue(value: string): boolean {
  return SAFE_VALUE.test(value);
}

/**
 * `Retry-After` for a transient error's 503: a whole number of seconds drawn uniformly from
 * [`seconds`, 1.5 × `seconds`], so a fleet of clients told to come back does not come back in step.
 */
export function jitteredRetryAfter(seconds: number): string {
  return String(seconds + Math.floor(Math.random() * (Math.floor(seconds / 2) + 1)));
}

/**
 * The headers of an error answer: the error's own (http-errors `headers`, such as `WWW-Authenticate` or
 * `Retry-After`) when their names and values are safe and not recover's, then the body's, the safety
 * headers, and the ids that let a client quote the failure.
 */
export function errorHeaders(report: RecoverReport, own: Record<string, string> | undefined, ids: TraceIds, rendered: RenderedBody): Record<string, string> {
  const headers: Record<string, string> = {};
  if (own) {
    for (const [name, value] of Object.entries(own)) {
      const lower = name.toLowerCase();
      if (TOKEN.test(name) && SAFE_VALUE.test(value) && !RESERVED.has(lower)) headers[lower] = value;
    }
  }
  headers['content-type'] = rendered.contentType;
  headers['content-length'] = String(Buffer.byteLength(rendered.body));
  headers['cache-control'] = 'no-store';
  headers['x-content-type-options'] = 'nosniff';
  headers['content-security-policy'] = "default-src 'none'";
  if (report.requestId !== undefined) headers['x-request-id'] = report.requestId;
  headers.traceresponse = traceresponse(ids);
  return headers;
}
