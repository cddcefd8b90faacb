import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * The request id: the framework's own (Fastify `request.id`, pino-http `req.id`), else a well-formed
 * incoming `x-request-id`, else a new UUID. Incoming values are checked so they cannot forge log fields.
 */
export function requestIdFor(frameworkId: unknown, headers: IncomingHttpHeaders): string {
  if (typeof frameworkId === 'string' && REQUEST_ID.test(frameworkId)) return frameworkId;
  if (typeof frameworkId === 'number' && Number.isFinite(frameworkId)) return String(frameworkId);
  const incoming = headers['x-request-id'];
  if (typeof incoming === 'string' && REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}

// Query parameters whose values are credentials: tokens, passwords, secrets, API keys, signatures, sessions.
const SECRET_PARAM = /token|passw(?:or)?d|pwd|secret|api[-_]?key|^key$|^auth|signature|^sig$|session|credential|^code$/i;
const MAX_URL = 2048;

/**
 * The URL as it may be logged: values of credential-like query parameters replaced by `[REDACTED]`, and
 * the whole bounded to 2048 characters. `/login?user=ann&password=x` → `/login?user=ann&password=[REDACTED]`.
 */
export function loggableUrl(url: string): string {
  const query = url.indexOf('?');
  const bounded = url.length > MAX_URL ? `${url.slice(0, MAX_URL)}…` : url;
  if (query === -1 || query >= MAX_URL) return bounded;
  const params = bounded.slice(query + 1).split('&').map((param) => {
    const equals = param.indexOf('=');
    const name = equals === -1 ? param : param.slice(0, equals);
    return equals !== -1 && SECRET_PARAM.test(decodeName(name)) ? `${name}=[REDACTED]` : param;
  });
  return `${bounded.slice(0, query)}?${params.join('&')}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name; // malformed percent-encoding: match the raw name
  }
}

/** The request headers named in `allowed`, values bounded to 256 characters; undefined when none is present. */
export function loggableHeaders(headers: IncomingHttpHeaders, allowed: readonly string[]): Record<string, string> | undefined {
  let picked: Record<string, string> | undefined;
  for (const name of allowed) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    picked ??= {};
    picked[name] = text.length > 256 ? `${text.slice(0, 256)}…` : text;
  }
  return picked;
}
