import type { Logger, Readiness } from '../types.js';
import { flushLogSummaries } from '../logging/log-limit.js';
import { otelApi } from '../telemetry/otel.js';
import { diagnosticReportsWritten } from './diagnostic-report.js';
import { pendingHooksSettled } from './pending-hooks.js';
import { state, type StoppableServer } from './state.js';

/** True once recover has started to drain the process: readiness is 503 from then on. */
export function isDraining(): boolean {
  return state.draining;
}

/** What a readiness probe answers: 200 while serving, 503 once the process drains for a restart. */
export function readiness(): Readiness {
  return state.draining ? { status: 503, body: '{"status":"draining"}' } : { status: 200, body: '{"status":"ready"}' };
}

export interface DrainPlan {
  /** Longest wait for in-flight requests, in ms; what is still open then is cut. */
  drainTimeout: number;
  /** The logger to flush before exiting. */
  logger: Logger;
  exitCode: number;
}

/**
 * Drains and exits, once: readiness turns 503, later responses are `Connection: close`, the servers stop
 * accepting connections (Node's own `server.close()`; idle keep-alive sockets are closed as they go idle),
 * in-flight requests finish until `drainTimeout`, then the logger and the OpenTelemetry providers are
 * flushed and the process exits with `exitCode` so its supervisor starts a fresh one. Everything fits in
 * `drainTimeout`: a hard deadline exits even if a flush hangs.
 */
export function drainAndExit(plan: DrainPlan): void {
  if (state.draining) return;
  state.draining = true;
  process.exitCode = plan.exitCode;
  const deadline = Date.now() + plan.drainTimeout;
  // Flushing gets the last fifth of the budget (at most a second): draining requests comes first.
  const flushAt = deadline - Math.min(1000, plan.drainTimeout / 5);
  const hardStop = setTimeout(() => { exit(plan.exitCode); }, plan.drainTimeout);
  const timeUp = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, flushAt - Date.now())));
  const sweep = setInterval(() => {
    for (const server of state.servers) server.closeIdleConnections?.();
  }, 50);

  void Promise.race([closeServers(), timeUp])
    .then(() => {
      clearInterval(sweep);
      cutConnections();
      flushLogSummaries(); // a summary waiting for its interval would die with the process
      return flush(plan.logger, Math.max(0, deadline - Date.now() - 50));
    })
    .finally(() => {
      clearTimeout(hardStop);
      exit(plan.exitCode);
    });
}

/**
 * Stops every server accepting connections; resolves once each has closed. HTTP/2 sessions get GOAWAY
 * (`session.close()`): their streams in flight finish, new ones are refused (Node 20 and 22 do not send
 * it on `server.close()`).
 */
function closeServers(): Promise<void> {
  const servers: StoppableServer[] = [...state.servers, ...state.http2.keys()];
  const closed = servers.map(
    (server) =>
      new Promise<void>((resolve) => {
        server.close(() => { resolve(); });
        server.closeIdleConnections?.();
      }),
  );
  for (const sessions of state.http2.values()) for (const session of sessions) session.close();
  return Promise.all(closed).then(() => undefined);
}

// NGHTTP2_INTERNAL_ERROR, without loading node:http2 into processes that never use it.
const HTTP2_INTERNAL_ERROR = 2;

/** At the deadline: cut what is still open. HTTP/2 streams are reset, so a half-sent one reads as failed. */
function cutConnections(): void {
  for (const server of state.servers) server.closeAllConnections?.();
  for (const sessions of state.http2.values()) {
    for (const session of sessions) {
      session.goaway(HTTP2_INTERNAL_ERROR);
      session.destroy();
    }
  }
}

function exit(code: number): void {
  if (state.exiting) return; // never exit twice
  state.exiting = true;
  process.exit(code);
}

/**
 * Waits for pending `onError` promises and diagnostic reports, and flushes pino and the OpenTelemetry tracer
 * and meter providers, bounded by `timeout` ms. Never rejects.
 */
async function flush(logger: Logger, timeout: number): Promise<void> {
  // onError promises first: an error tracker's event for the crash is sent before the process exits.
  const tasks: Promise<unknown>[] = [diagnosticReportsWritten(), pendingHooksSettled()];
  const flushLogger = (logger as { flush?: (done?: (error?: Error) => void) => void }).flush;
  if (typeof flushLogger === 'function') {
    // A flush that throws rejects this promise (the executor catches it), so it cannot skip the others.
    tasks.push(new Promise<void>((resolve) => { flushLogger.call(logger, () => { resolve(); }); }));
  }
  const api = otelApi();
  if (api) {
    const tracerProvider = api.trace.getTracerProvider() as { getDelegate?: () => unknown };
    const delegate = typeof tracerProvider.getDelegate === 'function' ? tracerProvider.getDelegate() : tracerProvider;
    for (const provider of [delegate, api.metrics.getMeterProvider()]) {
      const forceFlush = (provider as { forceFlush?: () => Promise<void> } | undefined)?.forceFlush;
      if (typeof forceFlush === 'function') tasks.push(attempt(() => forceFlush.call(provider)));
    }
  }
  const settled = Promise.allSettled(tasks);
  await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, timeout))]);
}

/** A flush that throws instead of rejecting (a broken exporter or logger) must not skip the others. */
function attempt(start: () => Promise<unknown>): Promise<unknown> {
  try {
    return Promise.resolve(start());
  } catch (failure) {
    return Promise.reject(failure instanceof Error ? failure : new Error(String(failure)));
  }
}
