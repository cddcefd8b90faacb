import { traceresponse, type TraceIds } from '../telemetry/trace.js';
import type { RecoverReport, RenderedBody } from '../types.js';

// Headers recover owns or that must not come from an error object.
const RESERVED = new Set([
  'content-type', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer',
  'set-cookie', 'x-request-id', 'traceresponse', 'cache-control', 'x-content-type-options', 'content-security-policy',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,1024}$/;

/** True for a header value that cannot split a header or smuggle a line (no CR, LF or NUL), and is bounded. */
export function isSafeHeaderValue(value: string): boolean {
  return SAFE_VALUE.test(value);
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
