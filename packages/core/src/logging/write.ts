import type { Line } from '../internal-types.js';
import type { LogFn, LogLevel, Logger, RecoverReport } from '../types.js';
import { destinationOf } from './destination.js';
import { LEVEL_NUMBERS } from './levels.js';
import { isChildCopy, withSerializers } from './pino.js';

// The report's `err` and `req` are already serialized; the logger's own serializers (pino's err
// serializer, pino-http's req serializer) would rename the type or read fields that are not there.
const KEEP: Record<string, (value: never) => unknown> = { err: (value) => value, req: (value) => value };
const rawLoggers = new WeakMap<Logger, Logger>();

/** The one log record of a report: pino's `err` shape plus ids, request and status. */
export function logRecord(report: RecoverReport): Record<string, unknown> {
  return {
    err: report.error,
    trace_id: report.traceId,
    span_id: report.spanId,
    requestId: report.requestId,
    req: report.request,
    responseStatus: report.request ? report.status : undefined,
    errorClass: report.errorClass,
    origin: report.origin,
    job: report.job,
  };
}

/** The line's message: the error's type and the start of its message. */
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
      recoverFallback: failureText(failure),
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

function failureText(failure: unknown): string {
  if (failure instanceof Error) {
    const { code } = failure as { code?: unknown };
    const suffix = typeof code === 'string' ? ` (${code})` : '';
    return `${failure.name}: ${failure.message}${suffix}`.slice(0, 500);
  }
  return typeof failure === 'string' ? failure.slice(0, 500) : 'logger failed';
}
