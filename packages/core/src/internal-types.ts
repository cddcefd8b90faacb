// The vocabulary shared inside core and with the adapters (`@recover/core/adapter`), but not with users.
// A leaf like types.ts: it imports types only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClassifyFn, ErrorOrigin, ExposeFn, JobInfo, LevelFn, LogLevel, Logger, OnErrorHook, ProcessPolicy, RecoverReport, RenderFn, SerializedError } from './types.js';

/** Option `logLimit`, resolved: how many full reports of one kind of error are logged per interval. */
export interface LogLimit {
  /** Full reports per fingerprint per interval. Default 10. */
  reports: number;
  /** The interval, in ms. Default 10000. */
  interval: number;
}

/** Option `report`, resolved: where and how often to write Node's diagnostic report for escaped crashes. */
export interface DiagnosticReportOptions {
  /** Directory the reports go to; created if missing. */
  dir: string;
  /** Least time between two reports, in ms. Default 60000. */
  interval: number;
}

/** Option `quarantine`, resolved: the route circuit breaker for escaped errors. */
export interface Quarantine {
  /** Escapes of one route within `window` that quarantine it. Default 3. */
  after: number;
  /** In ms. Default 60000. */
  window: number;
  /** The first quarantine's length, in ms; doubled after each failed trial request. Default 30000. */
  cooldown: number;
}

/** Options after validation, with defaults filled in. Resolved once, when the middleware is created. */
export interface ResolvedOptions {
  logger: Logger | undefined;
  stackSize: number;
  expose: ExposeFn | undefined;
  render: RenderFn | undefined;
  onError: OnErrorHook | undefined;
  level: LevelFn;
  classify: ClassifyFn | undefined;
  retryAfter: number;
  quarantine: Quarantine | false;
  process: ProcessPolicy;
  budget: number;
  window: number;
  drainTimeout: number;
  report: DiagnosticReportOptions | undefined;
  logLimit: LogLimit | false;
  logHeaders: readonly string[];
}

/**
 * What classification reads of one value in a thrown value's chain (report/classify.ts): read with the
 * rest of it by normalize, data properties only.
 */
export interface ErrorTraits {
  /** As `SerializedError.type`: the constructor's name, a DOMException's `name`, or `typeof`. */
  type: string;
  /** The `name` data property, when it is a string (`MongoNetworkError`, `TimeoutError`). */
  name: string | undefined;
  /** The `code` data property, as a string (`ECONNREFUSED`, `57P01`, `ER_LOCK_DEADLOCK`). */
  code: string | undefined;
  /** The error says so itself: `transient: true` or `retryable: true`. */
  transient: boolean;
  /** The error says so itself: `corruption: true`. */
  corruption: boolean;
  cause: ErrorTraits | undefined;
  /** An `AggregateError`'s errors (the first 16). */
  errors: ErrorTraits[] | undefined;
}

/** A thrown value read once, safely: everything later steps need, and nothing that can throw. */
export interface NormalizedError {
  error: SerializedError;
  /** What classification needs, per value of the chain (the top one, its cause, an aggregate's errors). */
  traits: ErrorTraits;
  /** `status`, `statusCode` or `httpCode` of the thrown value, the first that is an integer. */
  status: number | undefined;
  /** The thrown value's own `expose` flag (http-errors convention). */
  expose: boolean | undefined;
  /** The thrown value's `headers` (http-errors convention), string values only. */
  headers: Record<string, string> | undefined;
}

/** What an adapter can tell about a request beyond the bare Node objects. */
export interface RequestDetails {
  /** The URL as the client sent it, when the framework rewrites `request.url` (Express `originalUrl`). */
  url?: string | undefined;
  /** The matched route pattern. */
  route?: string | undefined;
  /** The framework's own request id (Fastify `request.id`, pino-http `req.id`). */
  requestId?: unknown;
  /** The framework's own request logger; used unless the `logger` option is set. */
  logger?: Logger | undefined;
}

/** What an adapter knows about the request an error belongs to. */
export interface Exchange extends RequestDetails {
  request: IncomingMessage;
  response: ServerResponse;
}

/** Tells whether a bare request is one of a quarantined route's, before the app's router has run. */
export type RequestMatcher = (request: IncomingMessage) => boolean;

/**
 * An adapter's hold on a request its own app served, for an error that escaped it. An adapter that gives a
 * `route` checks `quarantined()` before the route's handler runs: by route, or, when its router matches
 * only after recover's check (Koa), through `recognise`.
 */
export interface Claim {
  /** What the app knows of the request: route, id, logger. */
  details: RequestDetails;
  /** Writes the answer the framework's way (Fastify's reply keeps its headers); default: on the bare response. */
  send?: ((answer: ErrorResponse) => void) | undefined;
  /**
   * For an adapter whose check runs before its router: how to know the route's requests from now on
   * (undefined when it cannot tell; the route's escapes then spend the process's crash budget).
   */
  recognise?: (() => RequestMatcher | undefined) | undefined;
}

/** How an adapter claims a bare request for its own app: undefined when another app served it. */
export type ClaimRequest = (request: IncomingMessage, response: ServerResponse) => Claim | undefined;

/** The error response an adapter writes its framework's way. Header names are lower case. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Decides, once an error is described and before it is published, whether it restarts the process (it is
 * then logged at `fatal`, and the process drains and exits after the answer). Escaped errors get the
 * policy of process/escaped.ts; a request's error restarts the process only when it is corruption.
 */
export type Verdict = (report: RecoverReport) => boolean;

/** The error handler `createRecover` makes, which the adapters call. */
export interface Recover {
  /**
   * Reports `thrown` once (log line, span, counter, `onError`) and returns the response to send, or
   * `undefined` when headers were already sent (the response is then destroyed). Never throws.
   * An error that escaped its request (`origin` other than `handler`) is answered 500 (503 when transient)
   * with `Connection: close`.
   */
  handle(thrown: unknown, exchange: Exchange, origin?: ErrorOrigin, verdict?: Verdict): ErrorResponse | undefined;
  /** Reports a process-level crash that no request owns. Never throws. */
  reportCrash(thrown: unknown, origin: ErrorOrigin, verdict?: Verdict, job?: JobInfo): RecoverReport | undefined;
  readonly options: ResolvedOptions;
}

/** The request an async context belongs to. */
export interface RequestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
}

/** One log line as recover hands it to a logger, or to stderr when the logger fails. */
export interface Line {
  level: LogLevel;
  record: Record<string, unknown>;
  message: string;
}
