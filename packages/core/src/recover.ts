import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultLogger, isLogLevel, logMessage, logRecord, writeReport, writeStderr } from './log.js';
import { CLIENT_CLOSED, isClientGone } from './client.js';
import { normalize, type NormalizedError } from './normalize.js';
import { defaultLevel, resolveOptions, type LogLevel, type Logger, type RecoverOptions, type ResolvedOptions } from './options.js';
import { negotiate, renderBody, type RenderedBody } from './render.js';
import { loggableHeaders, loggableUrl, requestIdFor, type ErrorOrigin, type JobInfo, type RecoverReport } from './report.js';
import { defaultExpose, statusOf } from './status.js';
import { LogStormLimiter } from './storm.js';
import { recordTelemetry } from './telemetry.js';
import { traceIdsFor, traceresponse, type TraceIds } from './trace.js';

/** What an adapter knows about the request an error belongs to. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  /** The URL as the client sent it, when the framework rewrites `request.url` (Express `originalUrl`). */
  url?: string | undefined;
  /** The matched route pattern. */
  route?: string | undefined;
  /** The framework's own request id (Fastify `request.id`, pino-http `req.id`). */
  requestId?: unknown;
  /** The framework's own request logger; used unless the `logger` option is set. */
  logger?: Logger | undefined;
}

/** The error response an adapter writes its framework's way. Header names are lower case. */
export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Recover {
  /**
   * Reports `thrown` once (log line, span, counter, `onError`) and returns the response to send, or
   * `undefined` when headers were already sent (the response is then destroyed). Never throws.
   * An error that escaped its request (`origin` other than `handler`) is answered 500 with `Connection: close`.
   */
  handle(thrown: unknown, exchange: Exchange, origin?: ErrorOrigin, level?: LogLevel): ErrorResponse | undefined;
  /** Reports a process-level crash that no request owns. Never throws. */
  reportCrash(thrown: unknown, origin: ErrorOrigin, level?: LogLevel, job?: JobInfo): RecoverReport | undefined;
  readonly options: ResolvedOptions;
}

// The last value reported on a response: an error that two layers see is logged once. A registered
// symbol, not a module-level map, so the ESM and CommonJS builds (and two copies of core) agree.
const kReported = Symbol.for('recover.reported');
type Marked = ServerResponse & { [kReported]?: { thrown: unknown } };

/** True when recover has reported an error for this response (for access loggers such as pino-http). */
export function wasReported(response: ServerResponse): boolean {
  return (response as Marked)[kReported] !== undefined;
}

// Headers recover owns or that must not come from an error object.
const RESERVED = new Set([
  'content-type', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer',
  'set-cookie', 'x-request-id', 'traceresponse', 'cache-control', 'x-content-type-options', 'content-security-policy',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]{0,1024}$/;

/**
 * Creates the framework-agnostic error handler. Options are validated here, once; a bad option throws a
 * `TypeError` naming it. `ignore` lists option keys a framework adds itself (Fastify's `prefix`).
 */
export function createRecover(options?: RecoverOptions, ignore?: readonly string[]): Recover {
  const resolved = resolveOptions(options, ignore);
  const limiter = resolved.logLimit === false ? undefined : new LogStormLimiter(resolved.logLimit);

  function handle(thrown: unknown, exchange: Exchange, origin: ErrorOrigin = 'handler', level?: LogLevel): ErrorResponse | undefined {
    let report: RecoverReport | undefined;
    try {
      const { request, response } = exchange;
      const normalized = normalize(thrown, resolved.stackSize);
      const clientGone = isClientGone(normalized.error, request, response);
      // An escaped error is a crash whatever status it carries: its request gets a 500.
      const status = clientGone ? CLIENT_CLOSED : origin === 'handler' ? statusOf(normalized) : 500;
      const ids = traceIdsFor(request.headers);
      report = {
        time: new Date().toISOString(),
        origin,
        status,
        expose: status < 500 && exposes(thrown, normalized, status),
        // A closed connection is not a bug: its stack says nothing worth the bytes.
        error: clientGone ? { ...normalized.error, stack: undefined } : normalized.error,
        traceId: ids.traceId,
        spanId: ids.spanId,
        requestId: requestIdFor(exchange.requestId, request.headers),
        request: {
          method: request.method ?? 'GET',
          url: loggableUrl(exchange.url ?? request.url ?? '/'),
          route: exchange.route,
          headers: loggableHeaders(request.headers, resolved.logHeaders),
        },
        job: undefined,
        headersSent: response.headersSent,
        thrown,
      };
      const previous = (response as Marked)[kReported];
      if (!previous || !Object.is(previous.thrown, thrown)) {
        (response as Marked)[kReported] = { thrown };
        emit(report, exchange.logger, ids, clientGone ? (level ?? 'info') : level);
      }
      if (report.headersSent || clientGone) {
        // Too late for an error body: a broken response beats a hang or a 200 that lies.
        if (!response.writableEnded) response.destroy();
        return undefined;
      }
      const answer = respond(report, normalized, ids, request.headers.accept);
      // The process just survived a crash: the client should not reuse this connection.
      if (origin !== 'handler') answer.headers.connection = 'close';
      return answer;
    } catch (failure) {
      return lastResort(report, thrown, failure);
    }
  }

  function reportCrash(thrown: unknown, origin: ErrorOrigin, level?: LogLevel, job?: JobInfo): RecoverReport | undefined {
    let report: RecoverReport | undefined;
    try {
      const normalized = normalize(thrown, resolved.stackSize);
      const ids = traceIdsFor({});
      report = {
        time: new Date().toISOString(),
        origin,
        status: 500,
        expose: false,
        error: normalized.error,
        traceId: ids.traceId,
        spanId: ids.spanId,
        requestId: undefined,
        request: undefined,
        job,
        headersSent: false,
        thrown,
      };
      emit(report, undefined, ids, level);
      return report;
    } catch (failure) {
      lastResort(report, thrown, failure);
      return undefined;
    }
  }

  function exposes(thrown: unknown, normalized: NormalizedError, status: number): boolean {
    if (!resolved.expose) return defaultExpose(normalized, status);
    try {
      return resolved.expose(thrown, status);
    } catch {
      return false;
    }
  }

  /** Log line, span and counter, `onError`: each guarded so one failing does not stop the others. */
  function emit(report: RecoverReport, requestLogger: Logger | undefined, ids: TraceIds, override?: LogLevel): void {
    const level = override ?? levelFor(report.status);
    const logger = resolved.logger ?? requestLogger ?? defaultLogger();
    // In a flood of one error, the first reports are logged and the rest summarised; telemetry counts all.
    // A fatal report (the crash that makes the process restart) is always written in full.
    if (!limiter || override === 'fatal' || limiter.admit(report, logger)) writeReport(logger, level, report);
    try {
      recordTelemetry(report, ids.span);
    } catch (failure) {
      writeStderr(level, logRecord(report), `recover: recording telemetry failed for ${logMessage(report)}`, failure);
    }
    if (resolved.onError) {
      try {
        const pending = resolved.onError(report);
        if (pending && typeof pending.then === 'function') {
          pending.then(undefined, (failure: unknown) => {
            writeStderr(level, logRecord(report), `recover: onError rejected for ${logMessage(report)}`, failure);
          });
        }
      } catch (failure) {
        writeStderr(level, logRecord(report), `recover: onError threw for ${logMessage(report)}`, failure);
      }
    }
  }

  function levelFor(status: number): LogLevel {
    try {
      const level = resolved.level(status);
      return isLogLevel(level) ? level : defaultLevel(status);
    } catch {
      return defaultLevel(status);
    }
  }

  function respond(report: RecoverReport, normalized: NormalizedError, ids: TraceIds, accept: string | undefined): ErrorResponse {
    const kind = negotiate(accept);
    const rendered = renderWith(report, kind);
    const headers: Record<string, string> = {};
    if (normalized.headers) {
      for (const [name, value] of Object.entries(normalized.headers)) {
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
    return { status: report.status, headers, body: rendered.body };
  }

  function renderWith(report: RecoverReport, kind: ReturnType<typeof negotiate>): RenderedBody {
    if (resolved.render) {
      try {
        const custom = resolved.render(report, kind);
        if (typeof custom.body === 'string' && typeof custom.contentType === 'string' && SAFE_VALUE.test(custom.contentType)) {
          return custom;
        }
        writeStderr('error', logRecord(report), 'recover: option "render" returned no { contentType, body } strings', undefined);
      } catch (failure) {
        writeStderr('error', logRecord(report), 'recover: option "render" threw', failure);
      }
    }
    return renderBody(report, kind);
  }

  return { handle, reportCrash, options: resolved };
}

/** Reached only if recover's own code fails: a bare 500, and a stderr line that says so. */
function lastResort(report: RecoverReport | undefined, thrown: unknown, failure: unknown): ErrorResponse {
  const record = report ? logRecord(report) : { err: { type: typeof thrown, message: 'unreported error' } };
  writeStderr('error', record, 'recover: reporting failed', failure);
  const body = '{"type":"about:blank","title":"Internal Server Error","status":500}';
  return {
    status: 500,
    headers: {
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': String(body.length),
      'cache-control': 'no-store',
    },
    body,
  };
}
