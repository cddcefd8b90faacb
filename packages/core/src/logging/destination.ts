import type { Line } from '../internal-types.js';
import type { Logger } from '../types.js';
import { pinoStream } from './pino.js';

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

type Fallback = (line: Line, failure: unknown) => void;

interface Stream {
  on: (event: 'error', listener: (failure: unknown) => void) => unknown;
  destroyed?: unknown;
  writableErrored?: unknown;
}

/** One pino destination recover writes to, and what it wrote there last. */
export class Destination {
  private failedAt = 0;
  private lastFailure: unknown;
  // The last LOST_MAX lines and when they were written, as a ring: nothing is allocated per line.
  private readonly lines: (Line | undefined)[] = new Array<Line | undefined>(LOST_MAX);
  private readonly times: number[] = new Array<number>(LOST_MAX).fill(0);
  private next = 0;
  /** The line being handed to the destination right now, while recover's write call runs. */
  private current: Line | undefined;
  private failures = 0;

  constructor(private readonly stream: Stream, private readonly fallback: Fallback) {
    stream.on('error', (failure) => { this.failed(failure); });
  }

  /** Why recover must bypass this destination now, if it must: destroyed for good, failing for RETRY_AFTER_MS. */
  failure(): { failure: unknown } | undefined {
    const { destroyed, writableErrored } = this.stream;
    if (destroyed === true || (writableErrored !== null && writableErrored !== undefined)) {
      return { failure: this.lastFailure ?? writableErrored ?? new Error('log destination destroyed') };
    }
    if (this.failedAt !== 0 && Date.now() - this.failedAt < RETRY_AFTER_MS) return { failure: this.lastFailure };
    return undefined;
  }

  /**
   * Hands `line` to the destination through `write`, and remembers it to repeat on stderr if the
   * destination fails later. A synchronous destination (sonic-boom with `sync: true`) fails inside the
   * call: then only this line is lost, the earlier ones were written, and it goes to stderr at once.
   */
  write(line: Line, write: () => void): void {
    const failuresBefore = this.failures;
    this.current = line;
    try {
      write();
    } finally {
      this.current = undefined;
    }
    if (this.failures === failuresBefore) this.remember(line);
  }

  private remember(line: Line): void {
    this.lines[this.next] = line;
    this.times[this.next] = Date.now();
    this.next = (this.next + 1) % LOST_MAX;
  }

  private failed(failure: unknown): void {
    this.failures += 1;
    const now = Date.now();
    const first = now - this.failedAt >= RETRY_AFTER_MS;
    this.failedAt = now;
    this.lastFailure = failure;
    const during = this.current;
    if (during) {
      // Failed inside recover's own write: that line is the one lost. (pino re-emits the error once
      // more on sonic-boom; the second call finds nothing left to repeat.)
      this.current = undefined;
      this.fallback(during, failure);
      return;
    }
    const lost: Line[] = [];
    for (let i = 0; i < LOST_MAX; i++) {
      const slot = (this.next + i) % LOST_MAX; // oldest first
      const line = this.lines[slot];
      if (line && now - (this.times[slot] ?? 0) <= LOST_WINDOW_MS) lost.push(line);
      this.lines[slot] = undefined;
    }
    if (first && lost.length === 0) {
      this.fallback({ level: 'warn', record: {}, message: 'recover: the log destination failed; reports go to stderr for 5 s' }, failure);
    }
    for (const line of lost) this.fallback(line, failure);
  }
}

const destinations = new WeakMap<object, Destination>();

/** The watched destination of a pino logger (listening for its errors from the first call), or undefined. */
export function destinationOf(logger: Logger, fallback: Fallback): Destination | undefined {
  const stream = pinoStream(logger) as Stream | undefined;
  if (!stream) return undefined;
  let destination = destinations.get(stream);
  if (!destination) {
    destination = new Destination(stream, fallback);
    destinations.set(stream, destination);
  }
  return destination;
}
