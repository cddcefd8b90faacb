import { pino } from 'pino';
import type { Logger } from '../types.js';
import { pinoBindings } from './pino.js';

let stderrLogger: Logger | undefined;

/** pino to stderr, synchronous so the line is written even if the process dies right after. */
export function defaultLogger(): Logger {
  stderrLogger ??= pino({ name: 'recover' }, pino.destination({ dest: 2, sync: true }));
  return stderrLogger;
}

/** The logger a report goes to: option `logger`, else the request's own, else pino to stderr. */
export function loggerFor(configured: Logger | undefined, ofRequest: Logger | undefined): Logger {
  return configured ?? ofRequest ?? defaultLogger();
}

/** True for an object with the methods recover calls on a logger. */
export function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.error === 'function' && typeof candidate.warn === 'function' && typeof candidate.info === 'function';
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
