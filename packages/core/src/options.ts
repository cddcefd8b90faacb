import type { MediaKind, RenderedBody } from './render.js';
import type { SnapshotOptions } from './snapshot.js';
import type { LogLimit } from './storm.js';
import type { RecoverReport } from './report.js';

/** pino's level names that recover logs at. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** A pino-style log method: merge object first, message second. */
export type LogFn = (obj: object, msg?: string) => void;

/** The part of a pino logger recover uses. A pino logger (or Fastify's `request.log`) fits as is. */
export interface Logger {
  fatal?: LogFn;
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug?: LogFn;
  trace?: LogFn;
  child?(bindings: Record<string, unknown>, options?: { serializers?: Record<string, (value: never) => unknown> }): Logger;
}

/** Decides whether a 4xx error's message may be shown to the client. Never consulted for 5xx. */
export type ExposeFn = (thrown: unknown, status: number) => boolean;
/** Replaces the response body. Receives the media kind negotiated from `Accept`. */
export type RenderFn = (report: RecoverReport, kind: MediaKind) => RenderedBody;
/** Called once per reported error, after it is logged. A returned promise is awaited in the background. */
export type OnErrorHook = (report: RecoverReport) => void | Promise<void>;
/** The log level for an error answered with `status`. */
export type LevelFn = (status: number) => LogLevel;

/**
 * What recover does about errors that escape a request (thrown in a timer, an emitter, a floating promise):
 * `'keep-serving'` answers the owning request and goes on, until more than `budget` escapes in `window`;
 * `'restart'` answers it, drains in-flight requests and exits for the supervisor to start a fresh process;
 * `false` installs no process-level hooks.
 */
export type ProcessPolicy = 'keep-serving' | 'restart' | false;

/** Options of `recover()`, the same for Express, Fastify and Koa. */
export interface RecoverOptions {
  /** Logger for the report line. Default: the request's own (Fastify `request.log`, pino-http `req.log`), else pino to stderr. */
  logger?: Logger | undefined;
  /** Longest stack kept in a report, in bytes. Default 4096. */
  stackSize?: number | undefined;
  /** Whether a 4xx message reaches the client. Default: the error's own `expose === true` (http-errors). */
  expose?: ExposeFn | undefined;
  /** Builds the response body from the report. Default: problem+json, text or HTML by `Accept`. */
  render?: RenderFn | undefined;
  /** Forwards each report (Sentry, a queue). Its errors are logged to stderr, never thrown. */
  onError?: OnErrorHook | undefined;
  /** Log level by status. Default: `error` for 5xx, `info` for 4xx. */
  level?: LevelFn | undefined;
  /** Errors that escape a request. Default `'keep-serving'`; `false` leaves Node's own behaviour. */
  process?: ProcessPolicy | undefined;
  /** Escaped crashes `'keep-serving'` tolerates within `window` before it restarts. Default 5. */
  budget?: number | undefined;
  /** The crash budget's window, in ms. Default 60000. */
  window?: number | undefined;
  /** Longest wait for in-flight requests when restarting, in ms, flushing included. Default 5000. */
  drainTimeout?: number | undefined;
  /** Write Node's diagnostic report for escaped crashes into `dir`, at most one per `interval` ms (60000). */
  report?: { dir: string; interval?: number | undefined } | undefined;
  /** Request headers the log line may carry. Default `user-agent`, `content-type`, `content-length`; credentials never. */
  logHeaders?: readonly string[] | undefined;
  /** Full reports per kind of error per interval, then one summary line. Default 10 per 10000 ms; `false` logs all. */
  logLimit?: { reports?: number | undefined; interval?: number | undefined } | false | undefined;
}

/** Options after validation, with defaults filled in. Resolved once, when the middleware is created. */
export interface ResolvedOptions {
  logger: Logger | undefined;
  stackSize: number;
  expose: ExposeFn | undefined;
  render: RenderFn | undefined;
  onError: OnErrorHook | undefined;
  level: LevelFn;
  process: ProcessPolicy;
  budget: number;
  window: number;
  drainTimeout: number;
  report: SnapshotOptions | undefined;
  logLimit: LogLimit | false;
  logHeaders: readonly string[];
}

const KNOWN = new Set(['logger', 'stackSize', 'expose', 'render', 'onError', 'level', 'process', 'budget', 'window', 'drainTimeout', 'report', 'logLimit', 'logHeaders']);
const MAX_STACK_SIZE = 1024 * 1024;

export function defaultLevel(status: number): LogLevel {
  return status >= 500 ? 'error' : 'info';
}

/**
 * Validates options and fills in defaults. Throws a `TypeError` that names the offending option.
 * `ignore` lists keys a framework adds to the options object (Fastify's `prefix`).
 */
export function resolveOptions(options: unknown, ignore: readonly string[] = []): ResolvedOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`recover: options must be an object, got ${describe(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN.has(key) && !ignore.includes(key)) {
      throw new TypeError(`recover: unknown option "${key}"; known options are ${[...KNOWN].join(', ')}`);
    }
  }
  const {
    logger,
    stackSize = 4096,
    expose,
    render,
    onError,
    level = defaultLevel,
    process = 'keep-serving',
    budget = 5,
    window = 60_000,
    drainTimeout = 5_000,
    report,
    logLimit,
    logHeaders = DEFAULT_LOG_HEADERS,
  } = given;
  if (logger !== undefined && !isLogger(logger)) {
    throw new TypeError('recover: option "logger" must be a pino-compatible logger with error, warn and info methods');
  }
  if (typeof stackSize !== 'number' || !Number.isInteger(stackSize) || stackSize < 0 || stackSize > MAX_STACK_SIZE) {
    throw new TypeError(`recover: option "stackSize" must be an integer from 0 to ${MAX_STACK_SIZE}, got ${describe(stackSize)}`);
  }
  if (process !== 'keep-serving' && process !== 'restart' && process !== false) {
    throw new TypeError(`recover: option "process" must be 'keep-serving', 'restart' or false, got ${describe(process)}`);
  }
  integer('budget', budget, 0, 1_000_000);
  integer('window', window, 1, 24 * 3_600_000);
  integer('drainTimeout', drainTimeout, 0, 10 * 60_000);
  return {
    logHeaders: logHeaderNames(logHeaders),
    logLimit: logLimitOptions(logLimit),
    report: snapshotOptions(report),
    process,
    budget: budget as number,
    window: window as number,
    drainTimeout: drainTimeout as number,
    logger,
    stackSize,
    expose: optionalFunction('expose', expose) as ExposeFn | undefined,
    render: optionalFunction('render', render) as RenderFn | undefined,
    onError: optionalFunction('onError', onError) as OnErrorHook | undefined,
    level: (optionalFunction('level', level) as LevelFn | undefined) ?? defaultLevel,
  };
}

const DEFAULT_LOG_HEADERS: readonly string[] = ['user-agent', 'content-type', 'content-length'];
// Headers that carry credentials: never logged, whatever the allowlist says.
const NEVER_LOGGED = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-access-token|x-csrf-token|x-xsrf-token|x-amz-security-token)$|token|secret|password/;

function logHeaderNames(value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string' && name !== '')) {
    throw new TypeError(`recover: option "logHeaders" must be an array of header names, got ${describe(value)}`);
  }
  const names = (value as string[]).map((name) => name.toLowerCase());
  const refused = names.find((name) => NEVER_LOGGED.test(name));
  if (refused !== undefined) {
    throw new TypeError(`recover: option "logHeaders" lists "${refused}", which carries credentials and is never logged`);
  }
  return names;
}

function logLimitOptions(value: unknown): LogLimit | false {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== 'object' || value === null)) {
    throw new TypeError(`recover: option "logLimit" must be { reports?, interval? } or false, got ${describe(value)}`);
  }
  const { reports = 10, interval = 10_000 } = (value ?? {}) as { reports?: unknown; interval?: unknown };
  integer('logLimit.reports', reports, 0, 1_000_000);
  integer('logLimit.interval', interval, 1, 24 * 3_600_000);
  return { reports: reports as number, interval: interval as number };
}

function snapshotOptions(value: unknown): SnapshotOptions | undefined {
  if (value === undefined) return undefined;
  const { dir, interval = 60_000 } = (typeof value === 'object' && value !== null ? value : {}) as { dir?: unknown; interval?: unknown };
  if (typeof dir !== 'string' || dir === '') {
    throw new TypeError(`recover: option "report" must be { dir: string, interval?: number }, got ${describe(value)}`);
  }
  integer('report.interval', interval, 0, 24 * 3_600_000);
  return { dir, interval: interval as number };
}

function integer(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`recover: option "${name}" must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
}

function optionalFunction(name: string, value: unknown): ((...args: never[]) => unknown) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TypeError(`recover: option "${name}" must be a function, got ${describe(value)}`);
  return value as (...args: never[]) => unknown;
}

export function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.error === 'function' && typeof candidate.warn === 'function' && typeof candidate.info === 'function';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'number') return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
