// The public vocabulary of recover: what users pass in and what they get back. A leaf: it imports no
// module of recover, so every other file can depend on it without a cycle.

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

/** The media types recover answers in, by the client's `Accept`. */
export type MediaKind = 'problem' | 'json' | 'html' | 'text';

/** A response body and its media type. */
export interface RenderedBody {
  contentType: string;
  body: string;
}

/** Decides whether a 4xx error's message may be shown to the client. Never consulted for 5xx. */
export type ExposeFn = (thrown: unknown, status: number) => boolean;
/** Replaces the response body. Receives the media kind negotiated from `Accept`. */
export type RenderFn = (report: RecoverReport, kind: MediaKind) => RenderedBody;
/** Called once per reported error, after it is logged. A returned promise is awaited in the background. */
export type OnErrorHook = (report: RecoverReport) => void | Promise<void>;
/** The log level for an error answered with `status`, of class `errorClass`. */
export type LevelFn = (status: number, errorClass: ErrorClass) => LogLevel;

/**
 * What kind of failure an error is, which decides what recover does about it: `'transient'` (a network
 * blip, a timeout, a dependency restarting: the client may retry later), `'bug'` (a defect or a
 * misconfiguration: a human must look), `'corruption'` (state that can no longer be trusted: the
 * process restarts at once). See `classifyError` for the default rules.
 */
export type ErrorClass = 'transient' | 'bug' | 'corruption';

/**
 * Classifies an error; returning `undefined` keeps the default class. Runs once per reported error,
 * before its status is chosen (`report.status` is the error's own status, or 500).
 *
 * @example
 * classify: (thrown) => (thrown instanceof LedgerMismatch ? 'corruption' : classifyError(thrown))
 */
export type ClassifyFn = (thrown: unknown, report: RecoverReport) => ErrorClass | undefined;

/**
 * Option `quarantine`, the route circuit breaker: a route whose requests let `after` errors escape within
 * `window` ms is answered 503 without running its handler for `cooldown` ms, then one request is let through.
 */
export interface QuarantineOptions {
  /** Escaped errors of one route within `window` that quarantine it. Default 3. */
  after?: number | undefined;
  /** The window those escapes are counted in, in ms. Default 60000. */
  window?: number | undefined;
  /** How long the route stays quarantined, in ms; doubled after each failed trial request, up to 10 minutes. Default 30000. */
  cooldown?: number | undefined;
}

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
  /** Log level by status and class. Default: `fatal` for corruption, `warn` for a transient 5xx, `error` for other 5xx, `info` for 4xx. */
  level?: LevelFn | undefined;
  /** Classifies each error as transient, bug or corruption. Default: `classifyError`. */
  classify?: ClassifyFn | undefined;
  /** Base of the `Retry-After` seconds sent with a transient error's 503, jittered up to 1.5×. Default 5. */
  retryAfter?: number | undefined;
  /** The route circuit breaker for escaped errors. Default `{ after: 3, window: 60000, cooldown: 30000 }`; `false` turns it off. */
  quarantine?: QuarantineOptions | false | undefined;
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

/** Options of `guard`: where its reports go. */
export type GuardOptions = Pick<RecoverOptions, 'logger' | 'stackSize' | 'onError'>;

/** The shape of pino's `err` serializer: what a log line carries under `err`. */
export interface SerializedError {
  /** Constructor name for errors (`TypeError`), `typeof` for other values (`null`, `string`, `Object`). */
  type: string;
  message: string;
  /** Bounded to `stackSize` bytes; absent for values that never had a stack. */
  stack?: string | undefined;
  code?: string | undefined;
  cause?: SerializedError | undefined;
  aggregateErrors?: SerializedError[] | undefined;
}

/**
 * Where an error was caught: by the framework's error path (`handler`), by Node's process-level hooks
 * after it escaped a request (`uncaughtException`, `unhandledRejection`), or by `guard` (`background`).
 * `quarantine` is no error at all: the request's route is quarantined and its handler did not run; only
 * option `render` sees such a report.
 */
export type ErrorOrigin = 'handler' | 'uncaughtException' | 'unhandledRejection' | 'background' | 'quarantine';

/** The request an error belongs to, as it appears in the report and the log line. */
export interface ReportRequest {
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  /** The matched route pattern (`/users/:id`), when the framework knows it. */
  route: string | undefined;
  /** The allowlisted request headers (option `logHeaders`), when present. */
  headers?: Record<string, string> | undefined;
}

/** A background job run by `guard`: its name and the id of this run. */
export interface JobInfo {
  name: string;
  id: string;
}

/** Everything recover knows about one error. Built only when an error happens. */
export interface RecoverReport {
  /** ISO-8601 time the error was caught. */
  time: string;
  origin: ErrorOrigin;
  /** The HTTP status answered (or that would have been, when headers were already sent). */
  status: number;
  /** Whether the error's message may be shown to the client (never for 5xx). */
  expose: boolean;
  /** What kind of failure it is: `transient`, `bug` or `corruption` (option `classify`, else `classifyError`). */
  errorClass: ErrorClass;
  /** The error in pino's `err` shape, stack bounded to `stackSize` bytes. */
  error: SerializedError;
  traceId: string;
  spanId: string;
  /** Absent for a process-level crash that no request owns. */
  requestId: string | undefined;
  /** Absent for a process-level crash that no request owns. */
  request: ReportRequest | undefined;
  /** The background job the error belongs to (`guard`), if any. */
  job: JobInfo | undefined;
  /** True when the response had already started, so no error body could be sent. */
  headersSent: boolean;
  /** The value that was thrown, untouched, for forwarding (Sentry, a queue) from `onError`. */
  thrown: unknown;
}

/** What a readiness probe answers: 200 while serving, 503 once the process drains for a restart. */
export interface Readiness {
  status: 200 | 503;
  /** JSON: `{"status":"ready"}` or `{"status":"draining"}`. */
  body: string;
}
