import type { DiagnosticReportOptions, LogLimit, Quarantine, ResolvedOptions } from './internal-types.js';
import { defaultLevel } from './logging/levels.js';
import { isLogger } from './logging/request-logger.js';
import type { ClassifyFn, ExposeFn, LevelFn, OnErrorHook, RenderFn } from './types.js';

const KNOWN = new Set([
  'logger', 'stackSize', 'expose', 'render', 'onError', 'level', 'classify', 'retryAfter', 'quarantine', 'process', 'budget', 'window',
  'drainTimeout', 'report', 'logLimit', 'logHeaders',
]);
// Five seconds: long enough that clients do not hammer a dependency that is reconnecting or failing over
// (a pool's reconnect, a primary's election), short enough that a blip costs a user little. Jittered to 7.5.
const DEFAULT_RETRY_AFTER = 5;
// Three escapes of one route in a minute is a pattern, not bad luck; half a minute out of service lets a
// dependency recover or an operator look, and each failed trial doubles it (process/quarantine.ts).
const DEFAULT_QUARANTINE: Quarantine = { after: 3, window: 60_000, cooldown: 30_000 };
const MAX_STACK_SIZE = 1024 * 1024;
const DEFAULT_LOG_HEADERS: readonly string[] = ['user-agent', 'content-type', 'content-length'];
// Headers that carry credentials: never logged, whatever the allowlist says.
const NEVER_LOGGED = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|x-auth-token|x-access-token|x-csrf-token|x-xsrf-token|x-amz-security-token)$|token|secret|password/;

/**
 * Validates options and fills in defaults. Throws a `TypeError` that names the offending option.
 * `ignore` lists keys a framework adds to the options object (Fastify's `prefix`).
 */
export function resolveOptions(options: unknown, ignore: readonly string[] = []): ResolvedOptions {
  const given = knownKeys(options ?? {}, ignore);
  const { logger, stackSize = 4096, expose, render, onError, level, classify, retryAfter = DEFAULT_RETRY_AFTER, process = 'keep-serving' } = given;
  if (logger !== undefined && !isLogger(logger)) {
    throw new TypeError('recover: option "logger" must be a pino-compatible logger with error, warn and info methods');
  }
  integer('stackSize', stackSize, 0, MAX_STACK_SIZE);
  integer('retryAfter', retryAfter, 1, 86_400);
  return {
    logger,
    stackSize: stackSize as number,
    expose: optionalFunction('expose', expose) as ExposeFn | undefined,
    render: optionalFunction('render', render) as RenderFn | undefined,
    onError: optionalFunction('onError', onError) as OnErrorHook | undefined,
    level: (optionalFunction('level', level) as LevelFn | undefined) ?? defaultLevel,
    classify: optionalFunction('classify', classify) as ClassifyFn | undefined,
    retryAfter: retryAfter as number,
    quarantine: quarantineOptions(given.quarantine),
    ...processOptions(process, given),
    report: diagnosticReportOptions(given.report),
    logLimit: logLimitOptions(given.logLimit),
    logHeaders: logHeaderNames(given.logHeaders ?? DEFAULT_LOG_HEADERS),
  };
}

/** The options object, with every key one recover (or the framework, `ignore`) knows. */
function knownKeys(options: unknown, ignore: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`recover: options must be an object, got ${shown(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key) && !ignore.includes(key)) {
      throw new TypeError(`recover: unknown option "${key}"; known options are ${[...KNOWN].join(', ')}`);
    }
  }
  return options as Record<string, unknown>;
}

/** Options `process`, `budget`, `window` and `drainTimeout`: what happens to errors that escape a request. */
function processOptions(process: unknown, given: Record<string, unknown>): Pick<ResolvedOptions, 'process' | 'budget' | 'window' | 'drainTimeout'> {
  if (process !== 'keep-serving' && process !== 'restart' && process !== false) {
    throw new TypeError(`recover: option "process" must be 'keep-serving', 'restart' or false, got ${shown(process)}`);
  }
  const { budget = 5, window = 60_000, drainTimeout = 5_000 } = given;
  integer('budget', budget, 0, 1_000_000);
  integer('window', window, 1, 24 * 3_600_000);
  integer('drainTimeout', drainTimeout, 0, 10 * 60_000);
  return { process, budget: budget as number, window: window as number, drainTimeout: drainTimeout as number };
}

function logHeaderNames(value: unknown): readonly string[] {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string' && name !== '')) {
    throw new TypeError(`recover: option "logHeaders" must be an array of header names, got ${shown(value)}`);
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
    throw new TypeError(`recover: option "logLimit" must be { reports?, interval? } or false, got ${shown(value)}`);
  }
  const { reports = 10, interval = 10_000 } = (value ?? {}) as { reports?: unknown; interval?: unknown };
  integer('logLimit.reports', reports, 0, 1_000_000);
  integer('logLimit.interval', interval, 1, 24 * 3_600_000);
  return { reports: reports as number, interval: interval as number };
}

function quarantineOptions(value: unknown): Quarantine | false {
  if (value === false) return false;
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new TypeError(`recover: option "quarantine" must be { after?, window?, cooldown? } or false, got ${shown(value)}`);
  }
  const { after = DEFAULT_QUARANTINE.after, window = DEFAULT_QUARANTINE.window, cooldown = DEFAULT_QUARANTINE.cooldown } = (value ?? {}) as Record<string, unknown>;
  integer('quarantine.after', after, 1, 1_000_000);
  integer('quarantine.window', window, 1, 24 * 3_600_000);
  integer('quarantine.cooldown', cooldown, 1, 24 * 3_600_000);
  return { after: after as number, window: window as number, cooldown: cooldown as number };
}

function diagnosticReportOptions(value: unknown): DiagnosticReportOptions | undefined {
  if (value === undefined) return undefined;
  const { dir, interval = 60_000 } = (typeof value === 'object' && value !== null ? value : {}) as { dir?: unknown; interval?: unknown };
  if (typeof dir !== 'string' || dir === '') {
    throw new TypeError(`recover: option "report" must be { dir: string, interval?: number }, got ${shown(value)}`);
  }
  integer('report.interval', interval, 0, 24 * 3_600_000);
  return { dir, interval: interval as number };
}

function integer(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`recover: option "${name}" must be an integer from ${min} to ${max}, got ${shown(value)}`);
  }
}

function optionalFunction(name: string, value: unknown): ((...args: never[]) => unknown) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new TypeError(`recover: option "${name}" must be a function, got ${shown(value)}`);
  return value as (...args: never[]) => unknown;
}

/** A bad option's value as the error message shows it. */
function shown(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'number') return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
