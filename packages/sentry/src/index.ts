import { types } from 'node:util';
import * as Sentry from '@sentry/node';
import type { OnErrorHook, RecoverReport } from '@recover/core';

/** A Sentry integration, as `Sentry.init({ integrations })` takes them (@sentry/node does not export the type). */
export type SentryIntegration = Parameters<Extract<NonNullable<Sentry.NodeOptions['integrations']>, (defaults: never) => unknown>>[0][number];

/** Options of `sentry()`. */
export interface SentryOptions {
  /** Which reports become Sentry events. Default: 5xx only (a 4xx is the client's mistake, a 499 a client that left). */
  capture?: ((report: RecoverReport) => boolean) | undefined;
  /** Longest wait, in ms, for an escaped error's event to be sent (a restart waits for it, within `drainTimeout`). Default 2000. */
  flushTimeout?: number | undefined;
}

// Sentry's own capture of what recover reports: its process integrations (the uncaughtException one
// reports only the first escape, since it assumes the process is dying, and would capture before recover
// with less context), Dedupe (it drops a second identical escape), and the framework integrations'
// error capture. Their spans and request data are kept.
const REMOVED = new Set(['OnUncaughtException', 'OnUnhandledRejection', 'Dedupe']);
// Koa's integration captures from the app's `error` event, which recover still emits for your listeners.
const DUPLICATE_MECHANISMS = new Set(['auto.middleware.koa']);

/**
 * For `Sentry.init({ integrations })`: Sentry's defaults, less its own capture of the errors recover
 * reports, so each reaches Sentry once, through `sentry()`. Use it with recover's process hooks on (the
 * default `process: 'keep-serving'` or `'restart'`): they take over from Sentry's.
 *
 * @example
 * Sentry.init({ dsn: process.env.SENTRY_DSN, integrations: sentryIntegrations });
 */
export function sentryIntegrations(defaults: SentryIntegration[]): SentryIntegration[] {
  const kept = defaults.filter((integration) => !REMOVED.has(integration.name)).map((integration) => {
    if (integration.name === 'Express') return Sentry.expressIntegration({ shouldHandleError: false });
    if (integration.name === 'Fastify') return Sentry.fastifyIntegration({ shouldHandleError: () => false });
    return integration;
  });
  return [...kept, { name: 'RecoverDuplicates', processEvent: (event: Sentry.Event) => (isDuplicate(event) ? null : event) }];
}

function isDuplicate(event: Sentry.Event): boolean {
  return event.exception?.values?.some((value) => DUPLICATE_MECHANISMS.has(value.mechanism?.type ?? '')) === true;
}

/**
 * recover's `onError` for Sentry: one event per reported error, carrying recover's `trace_id` and
 * `span_id` (its trace context) and `request_id` (a tag), so the log line, the answer's `traceId` and the
 * Sentry event name the same trace. For an escaped error it returns Sentry's flush, which a restart waits
 * for. A thrown value that is not a plain Error (a Proxy, an object with getters, a string) is sent as an
 * Error rebuilt from the report: Sentry would read its properties and run their code.
 *
 * @example
 * app.use(recover({ onError: sentry() }));
 */
export function sentry(options: SentryOptions = {}): OnErrorHook {
  const { capture = (report: RecoverReport) => report.status >= 500, flushTimeout = 2000 } = options;
  return function recoverSentry(report: RecoverReport): Promise<void> | undefined {
    if (!capture(report)) return undefined;
    Sentry.withScope((scope) => {
      scope.setContext('trace', { trace_id: report.traceId, span_id: report.spanId });
      if (report.requestId !== undefined) scope.setTag('request_id', report.requestId);
      scope.setTag('recover.origin', report.origin);
      if (report.request?.route !== undefined) scope.setTag('http.route', report.request.route);
      if (report.job) scope.setTag('recover.job', report.job.name);
      Sentry.captureException(capturable(report), { mechanism: { type: 'auto.recover', handled: !escaped(report) } });
    });
    return escaped(report) ? Sentry.flush(flushTimeout).then(() => undefined) : undefined;
  };
}

function escaped(report: RecoverReport): boolean {
  return report.origin === 'uncaughtException' || report.origin === 'unhandledRejection';
}

/** The thrown value when it is a plain Error; else an Error with the report's type, message and stack. */
function capturable(report: RecoverReport): unknown {
  const { thrown } = report;
  if (types.isNativeError(thrown) && !types.isProxy(thrown)) return thrown;
  const { type, message, stack } = report.error;
  const error = new Error(message);
  error.name = type;
  error.stack = stack ?? `${type}: ${message}`;
  return error;
}
