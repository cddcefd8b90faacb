import type { LogLevel, Logger } from './options.js';

// A pino destination fails after the call that wrote to it has returned: sonic-boom with
// `sync: false` gets ENOSPC in a callback, a network stream is refused later. pino re-emits the error on
// the stream, where with no listener it would be an uncaught exception, reported through the same dead
// logger and lost. So recover listens on each destination it writes to, puts the reports written just
// before the failure on stderr, and sends its own reports to stderr for a while after it.

/** Reports written this recently before a failure may be in the lost buffer; they are repeated on stderr. */
const LOST_WINDOW_MS = 1000;
const LOST_MAX = 16;
/** After a failure, recover writes to stderr for this long before trying the destination again. */
const RETRY_AFTER_MS = 5000;

export interface Line {
  level: LogLevel;
  record: Record<string, unknown>;
  message: string;
}

type Fallback = (line: Line, failure: unknown) => void;

interface Watch {
  stream: Destination;
  failedAt: number;
  failure: unknown;
  recent: (Line & { at: number })[];
}

const watches = new WeakMap<object, Watch>();

interface Destination {
  on: (event: 'error', listener: (failure: unknown) => void) => unknown;
  destroyed?: unknown;
  writableErrored?: unknown;
}

const destinations = new WeakMap<Logger, Destination | null>();

/**
 * The pino destination of `logger`, or undefined when the logger is not pino (nothing to watch). pino
 * keeps it under a `Symbol('pino.stream')` of its own copy, so it is found by description, which works for
 * whichever pino version the user has; child loggers reach it through their prototype.
 */
function destinationOf(logger: Logger): Destination | undefined {
  let found = destinations.get(logger);
  if (found === undefined) {
    found = null;
    try {
      for (let holder: object | null = logger; holder !== null && found === null; holder = Object.getPrototypeOf(holder) as object | null) {
        const key = Object.getOwnPropertySymbols(holder).find((symbol) => symbol.description === 'pino.stream');
        const stream: unknown = key && (holder as Record<symbol, unknown>)[key];
        if (typeof stream === 'object' && stream !== null && typeof (stream as { on?: unknown }).on === 'function') {
          found = stream as Destination;
        }
      }
    } catch {
      // A Proxy or exotic logger: not watched.
    }
    destinations.set(logger, found);
  }
  return found ?? undefined;
}

function watch(logger: Logger, fallback: Fallback): Watch | undefined {
  const stream = destinationOf(logger);
  if (!stream) return undefined;
  let watched = watches.get(stream);
  if (watched) return watched;
  const created: Watch = { stream, failedAt: 0, failure: undefined, recent: [] };
  stream.on('error', (failure) => {
    const now = Date.now();
    const first = now - created.failedAt >= RETRY_AFTER_MS;
    created.failedAt = now;
    created.failure = failure;
    const lost = created.recent.filter((line) => now - line.at <= LOST_WINDOW_MS);
    created.recent = [];
    if (first && lost.length === 0) {
      fallback({ level: 'warn', record: {}, message: 'recover: the log destination failed; reports go to stderr for 5 s' }, failure);
    }
    for (const line of lost) fallback(line, failure);
  });
  watches.set(stream, created);
  watched = created;
  return watched;
}

/**
 * The failure that makes recover bypass this logger's destination now, if any: a destroyed stream for
 * good, a failing one for RETRY_AFTER_MS.
 */
export function destinationFailure(logger: Logger, fallback: Fallback): { failure: unknown } | undefined {
  const watched = watch(logger, fallback);
  if (!watched) return undefined;
  const { stream } = watched;
  if (stream.destroyed === true || (stream.writableErrored !== null && stream.writableErrored !== undefined)) {
    return { failure: watched.failure ?? stream.writableErrored ?? new Error('log destination destroyed') };
  }
  if (watched.failedAt !== 0 && Date.now() - watched.failedAt < RETRY_AFTER_MS) return { failure: watched.failure };
  return undefined;
}

/** Remembers a line just handed to the destination, to repeat it on stderr if the destination fails. */
export function remember(logger: Logger, line: Line): void {
  const stream = destinationOf(logger);
  const watched = stream && watches.get(stream);
  if (!watched) return;
  const now = Date.now();
  const { recent } = watched;
  while (recent.length > 0 && (recent.length >= LOST_MAX || now - (recent[0]?.at ?? now) > LOST_WINDOW_MS)) recent.shift();
  recent.push({ ...line, at: now });
}
