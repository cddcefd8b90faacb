// The kinds of request the chaos driver sends, and what each must get back. Shared by server and driver.

/** Text in every internal message: it must reach the log, never a response body. */
export const SECRET = 'CHAOS-SECRET';
/** Text the 1 MB message repeats. */
export const HUGE_MARK = 'HUGE-MESSAGE-PAYLOAD';

export interface Kind {
  name: KindName;
  /** Status the client receives (the status line, even when the body is then cut off). */
  status: number;
  /** Log lines with an `err` for this request: 1 for a crash, 0 for the healthy route. */
  reports: 0 | 1;
  /** pino level of the report line. */
  level: number;
  /** The error escapes the request (timer, floating promise, emitter): answered with `Connection: close`. */
  escapes: boolean;
  /** Headers and part of the body were sent before the error: the client must see a broken response. */
  broken: boolean;
  /** The client hangs up after the first body chunk: at most one report, at level 30 (499). */
  clientAborts: boolean;
  /** Text an exposed 4xx shows in its body. */
  detail?: string;
  /** A transient error's 503: `Retry-After` is whole seconds in [5, 7] (option `retryAfter`, default 5). */
  retryAfter?: boolean;
  /**
   * The route fails for a while, then recovers, and may be quarantined meanwhile: each request is answered
   * 200 (the handler ran and did not fail, no report), 500 (it escaped: one report, `Connection: close`) or
   * 503 (the route is quarantined: the handler did not run, no report, `Retry-After`).
   */
  quarantinable?: boolean;
}

export type KindName =
  | 'healthy'
  | 'sync-throw'
  | 'async-reject'
  | 'timer-escape'
  | 'floating-rejection'
  | 'emitter-throw'
  | 'throw-null'
  | 'throw-string'
  | 'throw-number'
  | 'throw-symbol'
  | 'throw-plain'
  | 'throw-circular'
  | 'throw-proxy'
  | 'throw-getter'
  | 'cause-chain'
  | 'aggregate'
  | 'http-4xx-expose'
  | 'http-4xx-hidden'
  | 'status-5xx'
  | 'after-headers'
  | 'stream-error'
  | 'client-abort'
  | 'huge-message'
  | 'huge-stack'
  | 'transient-fetch'
  | 'transient-escape'
  | 'flaky-escape';

/**
 * The two mixes the driver sends, each to its own server process. `crash`: every way of failing, route
 * quarantine off, so each escape is answered on its request however often its route escapes. `quarantine`:
 * recover's defaults (a crash budget of 5) with a short quarantine, a storm of transient errors and a route
 * that escapes in bursts, beside a healthy route that must answer 200 throughout.
 */
export type MixName = 'crash' | 'quarantine';

const crash = { status: 500, reports: 1, level: 50, escapes: false, broken: false, clientAborts: false } as const;

export const CRASH_KINDS: readonly Kind[] = [
  { ...crash, name: 'healthy', status: 200, reports: 0, level: 0 },
  { ...crash, name: 'sync-throw' },
  { ...crash, name: 'async-reject' },
  { ...crash, name: 'timer-escape', escapes: true },
  { ...crash, name: 'floating-rejection', escapes: true },
  { ...crash, name: 'emitter-throw', escapes: true },
  { ...crash, name: 'throw-null' },
  { ...crash, name: 'throw-string' },
  { ...crash, name: 'throw-number' },
  { ...crash, name: 'throw-symbol' },
  { ...crash, name: 'throw-plain' },
  { ...crash, name: 'throw-circular' },
  { ...crash, name: 'throw-proxy' },
  { ...crash, name: 'throw-getter' },
  { ...crash, name: 'cause-chain' },
  { ...crash, name: 'aggregate' },
  { ...crash, name: 'http-4xx-expose', status: 404, level: 30, detail: 'No such widget' },
  { ...crash, name: 'http-4xx-hidden', status: 422, level: 30 },
  { ...crash, name: 'status-5xx', status: 503 },
  { ...crash, name: 'after-headers', status: 200, broken: true },
  { ...crash, name: 'stream-error', status: 200, broken: true },
  { ...crash, name: 'client-abort', status: 200, level: 30, clientAborts: true },
  { ...crash, name: 'huge-message' },
  { ...crash, name: 'huge-stack' },
];

export const QUARANTINE_KINDS: readonly Kind[] = [
  { ...crash, name: 'healthy', status: 200, reports: 0, level: 0 },
  { ...crash, name: 'transient-fetch', status: 503, level: 40, retryAfter: true },
  { ...crash, name: 'transient-escape', status: 503, level: 40, retryAfter: true, escapes: true },
  { ...crash, name: 'flaky-escape', escapes: true, quarantinable: true },
];

export const MIXES: Record<MixName, readonly Kind[]> = { crash: CRASH_KINDS, quarantine: QUARANTINE_KINDS };

/** The flaky route fails during the first half of every period, and recovers in the second. */
export const FLAKY_PERIOD = 2000;

/** The quarantine mix's option `quarantine`: short, so the flaky route opens and closes many times in a run. */
export const CHAOS_QUARANTINE = { after: 3, window: 1000, cooldown: 200 } as const;
