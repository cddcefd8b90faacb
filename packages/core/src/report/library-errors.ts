// What the libraries people put next to recover say about their own errors: where the HTTP status is, the
// status of errors that carry none, and which 4xx messages are the library's own text, fit for the client.
// Add a library here, not in an adapter. Rules see only what normalize.ts read (data properties), so no
// code of the thrown value runs.
import type { NormalizedError } from '../internal-types.js';

/**
 * Properties that carry an HTTP status, in order; the first integer wins: `status` (http-errors, Koa),
 * `statusCode` (Node, Fastify, body-parser), `httpCode` (formidable, so koa-body and express-formidable).
 */
export const STATUS_PROPERTIES = ['status', 'statusCode', 'httpCode'] as const;

/** What a rule may say about a library's error. */
export interface LibraryDefaults {
  /** The status of an error that carries none (multer's `LIMIT_*`). */
  status: number | undefined;
  /** A 4xx whose message the library itself shows its clients (Fastify's validation and parser errors). */
  expose: boolean;
}

interface LibraryRule {
  /** The library the rule is for; documentation only. */
  library: string;
  matches(error: NormalizedError): boolean;
  status?(error: NormalizedError): number | undefined;
  expose?: boolean;
}

// multer: a limit the client's upload went over is 413; a malformed form is 400. (STREAM_DESTROYED is not
// the client's fault, and keeps 500.)
const MULTER_STATUS: Readonly<Record<string, number>> = {
  LIMIT_PART_COUNT: 413,
  LIMIT_FILE_SIZE: 413,
  LIMIT_FILE_COUNT: 413,
  LIMIT_FIELD_VALUE: 413,
  LIMIT_FIELD_COUNT: 413,
  LIMIT_FIELD_KEY: 400,
  LIMIT_UNEXPECTED_FILE: 400,
  LIMIT_FIELD_NESTING: 400,
  LIMIT_FIELD_ARRAY_INDEX: 400,
  MISSING_FIELD_NAME: 400,
  INVALID_FIELD_NAME: 400,
};

const RULES: readonly LibraryRule[] = [
  {
    library: 'multer',
    matches: ({ error }) => error.type === 'MulterError' && error.code !== undefined && Object.hasOwn(MULTER_STATUS, error.code),
    status: ({ error }) => MULTER_STATUS[error.code ?? ''],
    // Its messages are fixed text ("File too large"), with no part of the request in them.
    expose: true,
  },
  {
    // Fastify and its plugins (@fastify/error codes `FST_…`): schema validation ("body must have required
    // property 'name'"), FST_ERR_CTP_* (bad JSON, 415, body too large), @fastify/multipart's limits. Fastify's
    // own error handler shows these messages; only their 4xx are shown here, a 5xx stays opaque.
    library: 'fastify',
    matches: ({ error, status }) => error.code?.startsWith('FST_') === true && status !== undefined && status >= 400 && status < 500,
    expose: true,
  },
];

/** What the library that threw `normalized` says about it; nothing for an error no rule knows. */
export function libraryDefaults(normalized: NormalizedError): LibraryDefaults {
  for (const rule of RULES) {
    if (rule.matches(normalized)) return { status: rule.status?.(normalized), expose: rule.expose === true };
  }
  return { status: undefined, expose: false };
}
