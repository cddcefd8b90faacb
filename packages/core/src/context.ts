import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { isDraining, trackServer } from './drain.js';
import type { JobInfo } from './report.js';

/** The request an async context belongs to. */
export interface RequestContext {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
}

const storage = new AsyncLocalStorage<RequestContext>();
let enabled = false;

/**
 * Gives every HTTP request its own async context, once per process, so an error thrown later from a timer
 * or a promise that the request started can be traced back to it. Node publishes each request on the
 * `http.server.request.start` channel just before emitting `request`; entering the store there covers the
 * framework and everything the handler schedules. The store is Node's own message object: nothing is
 * allocated per request.
 */
export function enableRequestContext(): void {
  if (enabled) return;
  enabled = true;
  subscribe('http.server.request.start', onRequestStart);
}

function onRequestStart(message: unknown): void {
  const context = message as RequestContext & { server?: Server };
  trackServer(context.server);
  // A process that is draining answers what still arrives, then lets the connection go.
  if (isDraining()) context.response.setHeader('connection', 'close');
  storage.enterWith(context);
}

const jobs = new AsyncLocalStorage<JobInfo>();

/** Runs `fn` in the async context of a background job, so errors that escape it are attributed to the job. */
export function runInJob<R>(job: JobInfo, fn: () => R): R {
  return jobs.run(job, fn);
}

/** The background job whose async context is running now, if any. */
export function currentJob(): JobInfo | undefined {
  return jobs.getStore();
}

/** The request whose async context is running now, if any. */
export function currentRequest(): RequestContext | undefined {
  return storage.getStore();
}
