import { randomFillSync } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { otelApi, type Span } from './otel.js';
import { requestSpan } from './request-span.js';

/** Where the trace id of a report came from. */
export type TraceSource = 'span' | 'traceparent' | 'minted';

export interface TraceIds {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters: the active span, or one minted for this server's part of the trace. */
  spanId: string;
  /** W3C trace flags, two hex characters (`01` sampled). */
  traceFlags: string;
  source: TraceSource;
  /** The span the error is recorded on (the request's server span, else the active one), when an SDK is running. */
  span: Span | undefined;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The trace ids for an error: its request's span's (see request-span.ts), else the incoming `traceparent`'s, else freshly minted ones. */
export function traceIdsFor(headers: IncomingHttpHeaders): TraceIds {
  const span = errorSpan();
  if (span) {
    const context = span.spanContext();
    return {
      traceId: context.traceId,
      spanId: context.spanId,
      traceFlags: hexByte(context.traceFlags),
      source: 'span',
      span,
    };
  }
  const parent = parseTraceparent(headers.traceparent);
  if (parent) return { ...parent, spanId: mintSpanId(), source: 'traceparent', span: undefined };
  return { traceId: mintTraceId(), spanId: mintSpanId(), traceFlags: '00', source: 'minted', span: undefined };
}

/** The W3C Trace Context level 2 `traceresponse` header value. */
export function traceresponse(ids: Pick<TraceIds, 'traceId' | 'spanId' | 'traceFlags'>): string {
  return `00-${ids.traceId}-${ids.spanId}-${ids.traceFlags}`;
}

/** Parses a W3C `traceparent` header; anything malformed or all-zero is ignored. */
export function parseTraceparent(header: string | string[] | undefined): { traceId: string; traceFlags: string } | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const match = TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags] = match as unknown as [string, string, string, string, string];
  if (version === 'ff' || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  // Version 00 has exactly four fields; later versions may append more.
  if (version === '00' && value.trim().length !== 55) return undefined;
  return { traceId, traceFlags: flags };
}

function errorSpan(): Span | undefined {
  const api = otelApi();
  if (!api) return undefined;
  try {
    return requestSpan(api);
  } catch {
    return undefined;
  }
}

function hexByte(value: number): string {
  return (value & 0xff).toString(16).padStart(2, '0');
}

export function mintTraceId(): string {
  return randomHex(16);
}

export function mintSpanId(): string {
  return randomHex(8);
}

// IDs are cut from a pool of CSPRNG bytes refilled 4 KB at a time: a call to randomBytes per id was a
// sixth of the error path's CPU. Same randomness, one syscall per ~170 errors.
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `bytes` random bytes as lowercase hex; never all zeros, which W3C Trace Context treats as invalid. */
function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > POOL_BYTES) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const start = poolOffset;
    poolOffset += bytes;
    for (let i = start; i < poolOffset; i++) if (pool[i] !== 0) return pool.toString('hex', start, poolOffset);
  }
}
