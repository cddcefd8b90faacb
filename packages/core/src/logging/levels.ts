import type { ErrorClass, LogLevel } from '../types.js';

/** pino's numbers for the level names, as a line written by hand (the stderr fallback) carries them. */
export const LEVEL_NUMBERS: Record<LogLevel, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10 };

/** True for the pino level names recover logs at. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVEL_NUMBERS, value);
}

/**
 * The default of option `level`: `fatal` for corruption, `info` for 4xx, `warn` for a transient 5xx (a
 * dependency's blip is worth a look, not a page), `error` for other 5xx.
 */
export function defaultLevel(status: number, errorClass: ErrorClass = 'bug'): LogLevel {
  if (errorClass === 'corruption') return 'fatal';
  if (status < 500) return 'info';
  return errorClass === 'transient' ? 'warn' : 'error';
}
