// Every piece of process-wide state recover keeps, in one object. It hangs off `globalThis` under a
// registered symbol, so every copy of core in the process (the ESM and the CommonJS build, two versions
// in one tree) shares one set of process hooks, one crash budget, one draining flag and one async
// context. The version in the key changes only if this shape does.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import type { ClaimRequest, Recover, RequestContext, RequestMatcher } from '../internal-types.js';
import type { JobInfo, Logger } from '../types.js';

/** A recover instance that watches escaped errors, and how its adapter claims the requests of its app. */
export interface Watcher {
  readonly recover: Recover;
  readonly claim: ClaimRequest | undefined;
}

/** The process-level hooks: installed once, shared by every recover instance that watches. */
export interface EscapeHooks {
  /**
   * Every watching instance, weakly (an app dropped is let go), in the order they were made: an escaped
   * error goes to the instance whose app served its request, and a crash no request owns to the first.
   */
  readonly watchers: Set<WeakRef<Watcher>>;
  /** The listeners on `uncaughtException` and `unhandledRejection`, to tell them from others'. */
  readonly listeners: readonly ((...args: never[]) => void)[];
  /** Whether the other process-level listeners have been looked for (at the first escape). */
  checkedOthers: boolean;
}

/** A server a restart can stop: HTTP/1.1 (`http`, `https`, HTTP/2 with `allowHTTP1`) or HTTP/2. */
export interface StoppableServer {
  close(done?: (error?: Error) => void): unknown;
  /** Node's http and https servers (≥ 18.2); HTTP/2 servers have none. */
  closeIdleConnections?: () => void;
  closeAllConnections?: () => void;
}

/**
 * One route's circuit breaker (option `quarantine`): the escapes it counts and, once open, until when its
 * requests are answered 503 without running the handler. process/quarantine.ts is its only user.
 */
export interface RouteBreaker {
  /** The recover instance whose app serves the route, and how it claims the route's requests. */
  readonly watcher: Watcher;
  readonly method: string;
  readonly route: string;
  /** Recognises the route's requests before the app's router runs (Koa), when the adapter checks that way. */
  readonly recognise: RequestMatcher | undefined;
  /** Times of the route's recent escapes, oldest first, while closed. */
  escapes: number[];
  open: boolean;
  /** While open: when the trial request may go through. */
  until: number;
  /** The length of the current (or next) quarantine, in ms. */
  cooldown: number;
  /** The trial request let through after the cooldown (half-open), until it ends. */
  probe: ServerResponse | undefined;
  /** Where the route's opening and closing lines go. */
  logger: Logger;
}

/** Something that holds log lines back and must write them before the process exits. */
export interface Flushable {
  flush(): void;
}

export interface ProcessState {
  /** The request each async context belongs to. */
  readonly requests: AsyncLocalStorage<RequestContext>;
  /** The background job (`guard`) each async context belongs to. */
  readonly jobs: AsyncLocalStorage<JobInfo>;
  /** Whether the request channel is subscribed. */
  contextEnabled: boolean;
  hooks: EscapeHooks | undefined;
  /** Times of recent escaped crashes, newest last: the crash budget. */
  readonly crashes: number[];
  /** The HTTP servers that have served a request, so a restart can stop them. */
  readonly servers: Set<StoppableServer>;
  /** Called with each HTTP server at its first request (the Express adapter finds bundled routers there). */
  readonly serverWatchers: Set<(server: StoppableServer) => void>;
  /** The HTTP/2 servers recover adopted, each with its open sessions, so a restart can send them GOAWAY. */
  readonly http2: Map<Http2Server | Http2SecureServer, Set<ServerHttp2Session>>;
  draining: boolean;
  exiting: boolean;
  readonly diagnosticReports: { lastWritten: number | undefined; written: number; readonly pending: Set<Promise<void>> };
  /** Every log-storm limiter, weakly: a restart writes their pending summaries before it exits. */
  readonly limiters: Set<WeakRef<Flushable>>;
  /**
   * The route breakers of each watching instance, by method and route (two apps' routes never share one),
   * and the open ones apart: the check before each handler reads only `open.size` while none is open.
   */
  readonly quarantine: { readonly routes: WeakMap<Watcher, Map<string, RouteBreaker>>; readonly open: Set<RouteBreaker> };
  /** `onError` promises still running (a tracker sending its event): a restart waits for them. */
  readonly pendingHooks: Set<Promise<unknown>>;
}

const kState: unique symbol = Symbol.for('recover.state.v2');

function fresh(): ProcessState {
  return {
    requests: new AsyncLocalStorage(),
    jobs: new AsyncLocalStorage(),
    contextEnabled: false,
    hooks: undefined,
    crashes: [],
    servers: new Set(),
    serverWatchers: new Set(),
    http2: new Map(),
    draining: false,
    exiting: false,
    diagnosticReports: { lastWritten: undefined, written: 0, pending: new Set() },
    limiters: new Set(),
    quarantine: { routes: new WeakMap(), open: new Set() },
    pendingHooks: new Set(),
  };
}

const holder = globalThis as typeof globalThis & { [kState]?: ProcessState | undefined };

/** The process's one state object, made by whichever copy of core loads first. */
export const state: ProcessState = (holder[kState] ??= fresh());
