// Option `quarantine`, the route circuit breaker (Go's practice of cutting off a path that keeps failing
// instead of taking the service down). An error that escapes a request of a known route counts against that
// route instead of the process's crash budget. After `after` escapes within `window` the route is open
// (quarantined): its requests are answered 503 with `Retry-After` without running the handler, for
// `cooldown` ms, while every other route serves as before. Then one request is let through (half-open): if
// it escapes again, the route opens for twice as long; if it ends without an escape, the route closes.
// Opening and closing are each logged once at `warn` and counted on `recover.quarantine`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Claim, ErrorResponse, Exchange, Quarantine } from '../internal-types.js';
import { loggerFor } from '../logging/request-logger.js';
import { writeLine, writeStderr } from '../logging/write.js';
import { describeQuarantined } from '../report/describe.js';
import { errorResponse } from '../response/answer.js';
import { countQuarantine } from '../telemetry/counter.js';
import type { Logger, RecoverReport } from '../types.js';
import { callHook } from '../util/call-hook.js';
import { state, type RouteBreaker, type Watcher } from './state.js';

// However often its trial requests fail, a route is tried again at least every ten minutes (or every
// `cooldown`, if that is longer): a dependency that came back is noticed within that time.
const MAX_COOLDOWN = 10 * 60_000;

/** True while some route is quarantined: the only cost of the check before each handler until then. */
export function isQuarantining(): boolean {
  return state.quarantine.open.size !== 0;
}

/**
 * For an adapter, right before a route's handler: the 503 answer when the request's route is quarantined,
 * else undefined (run the handler; after the cooldown this request is the trial). `route` is the route as
 * the adapter reports it on escaped errors; an adapter whose router matches later (Koa) passes none, and
 * the routes' `recognise` tells instead. Never throws: if recover fails here, the handler runs.
 */
export function quarantined(request: IncomingMessage, response: ServerResponse, route?: string): ErrorResponse | undefined {
  if (state.quarantine.open.size === 0) return undefined;
  try {
    for (const breaker of state.quarantine.open) {
      if (!routeMatches(breaker, request, route)) continue;
      const claim = claimOf(breaker.watcher, request, response);
      if (!claim) continue;
      const now = Date.now();
      if (breaker.probe !== undefined || now < breaker.until) return answer(breaker, { ...claim.details, request, response }, now);
      startTrial(breaker, response, claim);
      return undefined;
    }
  } catch (failure) {
    writeStderr('error', { url: request.url }, 'recover: checking quarantined routes failed', failure);
  }
  return undefined;
}

/**
 * Counts an escaped error against its route (from process/escaped.ts) instead of the process's crash
 * budget. False when it cannot: quarantine is off, or the error has no route the adapter can hold back.
 */
export function countRouteEscape(watcher: Watcher, claim: Claim | undefined, report: RecoverReport, response: ServerResponse): boolean {
  const options = watcher.recover.options.quarantine;
  const route = report.request?.route;
  if (options === false || !claim || route === undefined) return false;
  const breaker = breakerOf(watcher, claim, report.request?.method ?? 'GET', route);
  if (!breaker) return false;
  breaker.logger = loggerFor(watcher.recover.options.logger, claim.details.logger);
  const now = Date.now();
  if (breaker.open) {
    // The trial request escaped: twice as long this time. Requests that were in flight when the route
    // opened count for nothing more.
    if (breaker.probe === response) open(breaker, now, Math.min(breaker.cooldown * 2, Math.max(MAX_COOLDOWN, options.cooldown)), report);
    return true;
  }
  breaker.escapes = breaker.escapes.filter((time) => time > now - options.window);
  breaker.escapes.push(now);
  if (breaker.escapes.length >= options.after) open(breaker, now, options.cooldown, report);
  return true;
}

/** The route's breaker, made at its first escape; undefined when the adapter cannot recognise its requests. */
function breakerOf(watcher: Watcher, claim: Claim, method: string, route: string): RouteBreaker | undefined {
  let routes = state.quarantine.routes.get(watcher);
  if (!routes) {
    routes = new Map();
    state.quarantine.routes.set(watcher, routes);
  }
  const key = `${method} ${route}`;
  const known = routes.get(key);
  if (known) return known;
  const { recognise } = claim;
  const matcher = recognise ? callHook('recognising a route', undefined, () => recognise(), undefined) : undefined;
  if (recognise && !matcher) return undefined;
  const cooldown = (watcher.recover.options.quarantine as Quarantine).cooldown;
  const breaker: RouteBreaker = { watcher, method, route, recognise: matcher, escapes: [], open: false, until: 0, cooldown, probe: undefined, logger: loggerFor(watcher.recover.options.logger, claim.details.logger) };
  routes.set(key, breaker);
  return breaker;
}

function routeMatches(breaker: RouteBreaker, request: IncomingMessage, route: string | undefined): boolean {
  const { recognise } = breaker;
  if (recognise) return route === undefined && callHook('recognising a route', undefined, () => recognise(request), false);
  return route !== undefined && breaker.route === route && breaker.method === request.method;
}

function claimOf(watcher: Watcher, request: IncomingMessage, response: ServerResponse): Claim | undefined {
  const { claim } = watcher;
  return claim ? callHook('claiming a request', undefined, () => claim(request, response), undefined) : undefined;
}

/** The quarantined route's answer: 503, `Retry-After` the seconds left (at least 1), the body `render` makes. */
function answer(breaker: RouteBreaker, exchange: Exchange, now: number): ErrorResponse {
  const { options } = breaker.watcher.recover;
  const retryAfter = Math.max(1, Math.ceil((breaker.until - now) / 1000));
  const { report, normalized, ids } = describeQuarantined(exchange, retryAfter, options);
  return errorResponse(report, normalized, ids, exchange.request, options);
}

/** Half-open: this request runs; the route closes when it ends, unless it escaped first (which reopens it). */
function startTrial(breaker: RouteBreaker, response: ServerResponse, claim: Claim): void {
  breaker.probe = response;
  const logger = loggerFor(breaker.watcher.recover.options.logger, claim.details.logger);
  response.once('close', () => {
    if (breaker.probe === response) close(breaker, logger);
  });
}

function open(breaker: RouteBreaker, now: number, cooldown: number, report: RecoverReport): void {
  breaker.open = true;
  breaker.until = now + cooldown;
  breaker.cooldown = cooldown;
  breaker.escapes = [];
  breaker.probe = undefined;
  state.quarantine.open.add(breaker);
  const facts = { cooldownMs: cooldown, until: new Date(breaker.until).toISOString() };
  announce(breaker, breaker.logger, 'open', facts, { trace_id: report.traceId, requestId: report.requestId });
}

function close(breaker: RouteBreaker, logger: Logger): void {
  const { quarantine } = breaker.watcher.recover.options;
  breaker.open = false;
  breaker.probe = undefined;
  breaker.escapes = [];
  if (quarantine !== false) breaker.cooldown = quarantine.cooldown;
  state.quarantine.open.delete(breaker);
  announce(breaker, logger, 'closed', {}, {});
}

/** One `warn` line and one count per opening or closing. */
function announce(breaker: RouteBreaker, logger: Logger, to: 'open' | 'closed', facts: object, ids: object): void {
  const { method, route } = breaker;
  const what = to === 'open' ? 'quarantined' : 'back in service';
  writeLine(logger, { level: 'warn', record: { quarantine: { state: to, method, route, ...facts }, ...ids }, message: `recover: route ${what}: ${method} ${route}` });
  callHook('recording telemetry', undefined, () => { countQuarantine(to, method, route); }, undefined);
}
