import { subscribe } from 'node:diagnostics_channel';
import type { RequestContext } from '../internal-types.js';
import type { JobInfo } from '../types.js';
import { callHook } from '../util/call-hook.js';
import { watchHttp2Servers } from './http2.js';
import { state, type StoppableServer } from './state.js';

/**
 * Gives every HTTP request its own async context, once per process, so an error thrown later from a timer
 * or a promise that the request started can be traced back to it. Node publishes each HTTP/1.1 request
 * (http, https, HTTP/2 with `allowHTTP1`) on the `http.server.request.start` channel just before emitting
 * `request`; entering the store there covers the framework and everything the handler schedules. The
 * store is Node's own message object: nothing is allocated per request. HTTP/2 requests: see http2.ts.
 */
export function enableRequestContext(): void {
  if (state.contextEnabled) return;
  state.contextEnabled = true;
  subscribe('http.server.request.start', onRequestStart);
  watchHttp2Servers();
}

function onRequestStart(message: unknown): void {
  const context = message as RequestContext & { server?: StoppableServer };
  const { server } = context;
  if (server && !state.servers.has(server)) {
    state.servers.add(server);
    for (const watcher of state.serverWatchers) callHook('watching a new server', undefined, () => { watcher(server); }, undefined);
  }
  // A process that is draining answers what still arrives, then lets the connection go.
  if (state.draining) context.response.setHeader('connection', 'close');
  state.requests.enterWith(context);
}

/** Calls `watcher` with every HTTP server at its first request from now on (adapters that need the app). */
export function watchNewServers(watcher: (server: StoppableServer) => void): void {
  enableRequestContext();
  state.serverWatchers.add(watcher);
}

/** Runs `fn` in the async context of a background job, so errors that escape it are attributed to the job. */
export function runInJob<R>(job: JobInfo, fn: () => R): R {
  return state.jobs.run(job, fn);
}

/** The background job whose async context is running now, if any. */
export function currentJob(): JobInfo | undefined {
  return state.jobs.getStore();
}

/** The request whose async context is running now, if any. */
export function currentRequest(): RequestContext | undefined {
  return state.requests.getStore();
}
