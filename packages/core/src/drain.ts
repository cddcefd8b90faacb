import type { Server } from 'node:http';
import { otelApi } from './otel.js';
import type { Logger } from './options.js';
import { snapshotsWritten } from './snapshot.js';
import { flushLogSummaries } from './storm.js';

/** The HTTP servers that have served a request in this process, so a restart can stop them. */
const servers = new Set<Server>();
let draining = false;
let exiting = false;

export function trackServer(server: Server | undefined): void {
  if (server && !servers.has(server)) servers.add(server);
}

/** True once recover has started to drain the process: readiness is 503 from then on. */
export function isDraining(): boolean {
  return draining;
}

/** What a readiness probe answers: 200 while serving, 503 once the process drains for a restart. */
export interface Readiness {
  status: 200 | 503;
  /** JSON: `{"status":"ready"}` or `{"status":"draining"}`. */
  body: string;
}

export function readiness(): Readiness {
  return draining ? { status: 503, body: '{"status":"draining"}' } : { status: 200, body: '{"status":"ready"}' };
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
  if (draining) return;
  draining = true;
  process.exitCode = plan.exitCode;
  const started = Date.now();
  const deadline = started + plan.drainTimeout;
  // Flushing gets the last fifth of the budget (at most a second): draining requests comes first.
  const flushAt = deadline - Math.min(1000, plan.drainTimeout / 5);

  const hardStop = setTimeout(() => { exit(plan.exitCode); }, plan.drainTimeout);
  const sweep = setInterval(() => {
    for (const server of servers) server.closeIdleConnections();
  }, 50);

  const closed = [...servers].map(
    (server) =>
      new Promise<void>((resolve) => {
        server.close(() => { resolve(); });
        server.closeIdleConnections();
      }),
  );
  const drained = Promise.all(closed).then(() => undefined);
  const timeUp = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, flushAt - Date.now())));

  void Promise.race([drained, timeUp])
    .then(() => {
      clearInterval(sweep);
      for (const server of servers) server.closeAllConnections();
      flushLogSummaries(); // a summary waiting for its interval would die with the process
      return flush(plan.logger, Math.max(0, deadline - Date.now() - 50));
    })
    .finally(() => {
      clearTimeout(hardStop);
      exit(plan.exitCode);
    });
}

function exit(code: number): void {
  if (exiting) return; // never exit twice
  exiting = true;
  process.exit(code);
}

/** Flushes pino and the OpenTelemetry tracer and meter providers, bounded by `timeout` ms. Never rejects. */
async function flush(logger: Logger, timeout: number): Promise<void> {
  const tasks: Promise<unknown>[] = [snapshotsWritten()];
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
