import type { LogLevel } from '../types.js';

/** pino's numbers for the level names, as a line written by hand (the stderr fallback) carries them. */
export const LEVEL_NUMBERS: Record<LogLevel, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10 };

/** True for the pino level names recover logs at. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(LEVEL_NUMBERS, value);
}

/** The default of option `level`: `error` for 5xx, `info` for 4xx. */
export function defaultLevel(status: number): LogLevel {
  return status >= 500 ? 'error' : 'info';
}
