import type { ErrorTraits, NormalizedError } from '../internal-types.js';
import type { ClassifyFn, ErrorClass, RecoverReport } from '../types.js';
import { callHook } from '../util/call-hook.js';
import { normalize } from './normalize.js';

// Transient: the failure is outside this process and passes by itself (a network blip, a timeout, a
// dependency restarting or shedding load). The client may retry the same request later.
const TRANSIENT_CODES = new Set([
  // Node (libuv) system errors of an outgoing connection. ECONNRESET and EPIPE from the client's own
  // connection never get here: report/client-gone.ts answers those 499 first.
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH',
  'EAI_AGAIN', // getaddrinfo: a temporary DNS failure (ENOTFOUND, a name that does not exist, is a bug)
  // undici (Node's fetch): lib/core/errors.js, ConnectTimeoutError, HeadersTimeoutError, BodyTimeoutError,
  // SocketError (the socket closed under a request).
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET',
  // PostgreSQL SQLSTATE, in `code` of pg's DatabaseError (class 08, connection exception, is matched below):
  '53300', // too_many_connections
  '57P01', // admin_shutdown: the server is shutting down or restarting
  '57P02', // crash_shutdown: another backend crashed, the server restarts
  '57P03', // cannot_connect_now: the server is starting up
  '40001', // serialization_failure: retry the transaction
  '40P01', // deadlock_detected: retry the transaction
  // MySQL: mysql and mysql2 `code`; MariaDB's connector uses the same names.
  'PROTOCOL_CONNECTION_LOST', // mysql, mysql2: the server closed the connection
  'ER_SOCKET_UNEXPECTED_CLOSE', // mariadb: the same, SQLSTATE 08S01
  'ER_LOCK_DEADLOCK', // 1213: retry the transaction
  'ER_LOCK_WAIT_TIMEOUT', // 1205
  'ER_CON_COUNT_ERROR', // 1040: too many connections
  'ER_SERVER_SHUTDOWN', // 1053: the server is shutting down
]);
// PostgreSQL SQLSTATE class 08, connection exception (08000, 08003, 08006, 08001, 08004, 08007, 08P01).
const POSTGRES_CONNECTION = /^08[0-9A-Z]{3}$/;

const TRANSIENT_NAMES = new Set([
  'TimeoutError', // the DOMException of AbortSignal.timeout(), also what fetch rejects with then
  // mongodb (the Node driver): its `name` getters return the class names, which is what is read here.
  'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoServerSelectionError', 'MongoPoolClearedError',
]);

// Corruption: this process itself can no longer be trusted, and only a restart repairs it. Kept narrow on
// purpose, since it restarts the process at once whatever the budget: nothing a client can cause with
// crafted input alone is here (a stack overflow from deeply nested JSON, a RangeError from a huge array, a
// parser's error are bugs, not corruption).
const CORRUPTION_CODES = new Set([
  'ERR_INTERNAL_ASSERTION', // Node: an assertion inside Node's own code failed; its state is undefined
  // File descriptors exhausted, by this process (EMFILE) or the whole system (ENFILE): a descriptor leak
  // that nothing in the process will give back; a restart closes them all.
  'EMFILE', 'ENFILE',
]);

/**
 * The default classification, exported so an application can extend it: `'corruption'` when any error of
 * the chain (`cause`, `AggregateError` errors) says `corruption: true`, is Node's `ERR_INTERNAL_ASSERTION`,
 * or is file-descriptor exhaustion (`EMFILE`, `ENFILE`); else `'transient'` when the error, or its cause,
 * or every error of an `AggregateError`, is a network failure of an outgoing call, a timeout, a database
 * that restarts, sheds load or asks for a retry, or says `transient: true` or `retryable: true`; else
 * `'bug'`. Runs no code of the thrown value: data properties only, like the rest of the report.
 *
 * @example
 * app.use(recover({ classify: (thrown) => (thrown instanceof LedgerMismatch ? 'corruption' : classifyError(thrown)) }));
 */
export function classifyError(thrown: unknown): ErrorClass {
  return classOfTraits(normalize(thrown, 0).traits);
}

/** The default class of a normalized error (what `classifyError` returns for it). */
export function classOfTraits(traits: ErrorTraits): ErrorClass {
  if (corrupt(traits, 0)) return 'corruption';
  return transient(traits, 0) ? 'transient' : 'bug';
}

/**
 * A report's class: option `classify`, else the default. A hook that throws or returns something other
 * than a class (`undefined` included) leaves the default; only a wrong value is said on stderr.
 */
export function classOf(thrown: unknown, normalized: NormalizedError, report: RecoverReport, classify: ClassifyFn | undefined): ErrorClass {
  const fallback = classOfTraits(normalized.traits);
  if (!classify) return fallback;
  return callHook('classify', report, () => classify(thrown, report), undefined, isClassOrNothing) ?? fallback;
}

function isClassOrNothing(value: unknown): boolean {
  return value === undefined || value === 'transient' || value === 'bug' || value === 'corruption';
}

// normalize bounds the chain (8 causes deep, 16 aggregated errors); this bounds the walk the same way.
const MAX_DEPTH = 16;

function corrupt(traits: ErrorTraits, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (traits.corruption || (traits.code !== undefined && CORRUPTION_CODES.has(traits.code))) return true;
  if (traits.cause && corrupt(traits.cause, depth + 1)) return true;
  return traits.errors?.some((inner) => corrupt(inner, depth + 1)) ?? false;
}

/** Transient itself, or caused by a transient error, or an aggregate of nothing but transient errors. */
function transient(traits: ErrorTraits, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (transientItself(traits)) return true;
  if (traits.cause && transient(traits.cause, depth + 1)) return true;
  const { errors } = traits;
  return errors !== undefined && errors.length > 0 && errors.every((inner) => transient(inner, depth + 1));
}

function transientItself({ transient: flagged, code, type, name }: ErrorTraits): boolean {
  if (flagged) return true;
  if (code !== undefined && (TRANSIENT_CODES.has(code) || POSTGRES_CONNECTION.test(code))) return true;
  return TRANSIENT_NAMES.has(type) || (name !== undefined && TRANSIENT_NAMES.has(name));
}
