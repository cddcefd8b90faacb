import { pino } from 'pino';
import { isLogger, type LogFn, type LogLevel, type Logger } from './options.js';
import type { RecoverReport } from './report.js';
import { destinationOf, type Line } from './destination.js';
import { isChildCopy, pinoBindings, withSerializers } from './pino.js';

const LEVEL_NUMBERS: Record<LogLevel, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10 };

/** True for the pino level names recover logs at. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVEL_NUMBERS, value);
}

// The report's `err` and `req` are already serialized; the logger's own serializers (pino's err
// serializer, pino-http's req serializer) would rename the type or read fields that are not there.
const KEEP: Record<string, (value: never) => unknown> = { err: (value) => value, req: (value) => value };
const rawLoggers = new WeakMap<Logger, Logger>();

let stderrLogger: Logger | undefined;

/** pino to stderr, synchronous so the line is written even if the process dies right after. */
export function defaultLogger(): Logger {
  stderrLogger ??= pino({ name: 'recover' }, pino.destination({ dest: 2, sync: true }));
  return stderrLogger;
}

/**
 * A framework's per-request logger, when recover may write through it. Not a no-op logger (Fastify's
 * `logger: false` gives one with no `level`), and not one with the request bound to it: pino-http without
 * `quietReqLogger` binds the serialized request, headers included, so every line would carry
 * Authorization and Cookie. In both cases recover uses its own logger instead.
 */
export function requestLogger(candidate: unknown): Logger | undefined {
  if (!isLogger(candidate)) return undefined;
  const { level, bindings } = candidate as { level?: unknown; bindings?: unknown };
  if (typeof level !== 'string') return undefined;
  if (typeof bindings === 'function') {
    // pino's own bindings string, when found, spares a JSON.parse of them per error.
    const written = pinoBindings(candidate);
    if (written !== undefined && !written.includes('"req":')) return candidate;
    try {
      const bound: unknown = bindings.call(candidate);
      if (typeof bound === 'object' && bound !== null && 'req' in bound) return undefined;
    } catch {
      return undefined;
    }
  }
  return candidate;
}

/** The one log record of a report: pino's `err` shape plus ids, request and status. */
export function logRecord(report: RecoverReport): Record<string, unknown> {
  return {
    err: report.error,
    trace_id: report.traceId,
    span_id: report.spanId,
    requestId: report.requestId,
    req: report.request,
    responseStatus: report.request ? report.status : undefined,
    origin: report.origin,
    job: report.job,
  };
}

export function logMessage(report: RecoverReport): string {
  const { type, message } = report.error;
  const text = message.length > 200 ? `${message.slice(0, 200)}…` : message;
  return text === '' ? type : `${type}: ${text}`;
}

/** Writes the report's one line. If the logger or its destination fails, the line goes to stderr instead. */
export function writeReport(logger: Logger, level: LogLevel, report: RecoverReport): void {
  writeLine(rawLogger(logger), { level, record: logRecord(report), message: logMessage(report) });
}

/** One line through `logger`, or on stderr when the logger throws or its destination is failing. */
export function writeLine(logger: Logger, line: Line): void {
  const { level, record, message } = line;
  try {
    const destination = destinationOf(logger, fallBack);
    const failing = destination?.failure();
    if (failing) {
      writeStderr(level, record, message, failing.failure);
      return;
    }
    const method: unknown = logger[level];
    const log = typeof method === 'function' ? (method as LogFn) : logger.error;
    if (destination) destination.write(line, () => { log.call(logger, record, message); });
    else log.call(logger, record, message);
  } catch (failure) {
    writeStderr(level, record, message, failure);
  }
}

function fallBack(line: Line, failure: unknown): void {
  writeStderr(line.level, line.record, line.message, failure);
}

/** Last resort: one JSON line on stderr, in pino's format, naming what failed. */
export function writeStderr(level: LogLevel, record: Record<string, unknown>, message: string, failure: unknown): void {
  try {
    const line = JSON.stringify({
      level: LEVEL_NUMBERS[level],
      time: Date.now(),
      ...record,
      msg: message,
      recoverFallback: describeFailure(failure),
    });
    process.stderr.write(`${line}\n`);
  } catch {
    // stderr itself is gone: nothing left to tell.
  }
}

/**
 * The logger with recover's pass-through serializers for `err` and `req`. A pino logger gets a cheap
 * derived object (see pino.ts), so Fastify's per-request `request.log` costs no `child()` per error;
 * another logger with `child` gets one child, cached.
 */
function rawLogger(logger: Logger): Logger {
  let raw = rawLoggers.get(logger);
  if (!raw) {
    raw = withSerializers(logger, KEEP) ?? (typeof logger.child === 'function' ? logger.child({}, { serializers: KEEP }) : logger);
    // A copy of a child logger is a snapshot of its level: made afresh each time, it follows level changes.
    if (!isChildCopy(raw)) rawLoggers.set(logger, raw);
  }
  return raw;
}

function describeFailure(failure: unknown): string {
  if (failure instanceof Error) {
    const { code } = failure as { code?: unknown };
    const suffix = typeof code === 'string' ? ` (${code})` : '';
    return `${failure.name}: ${failure.message}${suffix}`.slice(0, 500);
  }
  return typeof failure === 'string' ? failure.slice(0, 500) : 'logger failed';
}
