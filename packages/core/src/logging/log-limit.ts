import type { LogLimit } from '../internal-types.js';
import { state } from '../process/state.js';
import type { Logger, RecoverReport } from '../types.js';
import { writeLine, writeStderr } from './write.js';

interface Bucket {
  started: number;
  reported: number;
  suppressed: number;
  /** Trace ids of a few suppressed reports, to find them in traces. */
  samples: string[];
  fingerprint: { type: string; frame: string | undefined; route: string | undefined };
  logger: Logger | undefined;
  timer: NodeJS.Timeout | undefined;
}

const MAX_SAMPLES = 5;
// Beyond this many kinds of error at once, the oldest bucket is dropped: the limiter must not leak.
const MAX_BUCKETS = 1000;

// A limiter collected (an app made and dropped: tests, reloads) takes its reference out of the set.
const collected = new FinalizationRegistry<WeakRef<LogStormLimiter>>((ref) => { state.limiters.delete(ref); });

/** Writes the pending `suppressed K similar` lines of every limiter now: the process is about to exit. */
export function flushLogSummaries(): void {
  for (const ref of state.limiters) ref.deref()?.flush();
}

/**
 * Option `logLimit`: keeps a flood of one error from becoming the outage. Per fingerprint (error type,
 * top stack frame, route), the first `reports` per `interval` are logged in full; the rest are counted,
 * and one line `suppressed K similar` with sample trace ids closes the interval. Telemetry still counts
 * every error.
 */
export class LogStormLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: LogLimit) {
    const ref = new WeakRef(this);
    state.limiters.add(ref);
    collected.register(this, ref);
  }

  /** Writes every summary still waiting for its interval to end. */
  flush(): void {
    for (const [key, bucket] of [...this.buckets]) {
      if (bucket.timer === undefined) continue;
      clearTimeout(bucket.timer);
      this.summarise(key, bucket);
    }
  }

  /** True when this report is to be logged in full; false when it is counted into the summary. */
  admit(report: RecoverReport, logger: Logger | undefined): boolean {
    const fingerprint = fingerprintOf(report);
    const key = `${fingerprint.type}\u0000${fingerprint.frame ?? ''}\u0000${fingerprint.route ?? ''}`;
    const now = Date.now();
    let bucket = this.buckets.get(key);
    if (bucket && now - bucket.started >= this.limit.interval && bucket.timer === undefined) {
      this.buckets.delete(key);
      bucket = undefined;
    }
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.evictOldest();
      bucket = { started: now, reported: 0, suppressed: 0, samples: [], fingerprint, logger, timer: undefined };
      this.buckets.set(key, bucket);
    }
    if (bucket.reported < this.limit.reports) {
      bucket.reported += 1;
      return true;
    }
    bucket.suppressed += 1;
    bucket.logger = logger;
    if (bucket.samples.length < MAX_SAMPLES) bucket.samples.push(report.traceId);
    if (bucket.timer === undefined) {
      const current = bucket;
      const wait = Math.max(0, current.started + this.limit.interval - now);
      current.timer = setTimeout(() => {
        this.summarise(key, current);
      }, wait);
      current.timer.unref(); // a pending summary must not keep the process alive
    }
    return false;
  }

  private summarise(key: string, bucket: Bucket): void {
    this.buckets.delete(key);
    const record = {
      fingerprint: bucket.fingerprint,
      suppressed: bucket.suppressed,
      sampleTraceIds: bucket.samples,
      intervalMs: this.limit.interval,
    };
    const message = `recover: suppressed ${bucket.suppressed} similar`;
    if (bucket.logger) writeLine(bucket.logger, { level: 'warn', record, message });
    else writeStderr('warn', record, message, undefined);
  }

  private evictOldest(): void {
    const [oldestKey, oldest] = this.buckets.entries().next().value ?? [];
    if (oldestKey === undefined || oldest === undefined) return;
    if (oldest.timer) {
      clearTimeout(oldest.timer);
      this.summarise(oldestKey, oldest);
    } else {
      this.buckets.delete(oldestKey);
    }
  }
}

/** Error type, the first stack frame (where it was thrown), and the route: what makes errors "similar". */
function fingerprintOf(report: RecoverReport): Bucket['fingerprint'] {
  const stack = report.error.stack;
  let frame: string | undefined;
  if (stack !== undefined) {
    const at = stack.indexOf('\n    at ');
    if (at !== -1) {
      const end = stack.indexOf('\n', at + 1);
      frame = stack.slice(at + 8, end === -1 ? undefined : end).slice(0, 300);
    }
  }
  return { type: report.error.type, frame, route: report.request?.route ?? report.job?.name };
}
