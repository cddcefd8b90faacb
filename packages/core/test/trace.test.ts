import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVALID_SPAN_CONTEXT, context, trace } from '@opentelemetry/api';
import { parseTraceparent, traceIdsFor, traceresponse } from '../src/telemetry/trace.js';
import { installTelemetry } from '@recover/test-support/otel';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${PARENT_SPAN}-01`;

installTelemetry();
const tracer = trace.getTracer('trace.test');

describe('parseTraceparent', () => {
  it('reads a valid header', () => {
    assert.deepEqual(parseTraceparent(VALID), { traceId: TRACE_ID, traceFlags: '01' });
    assert.deepEqual(parseTraceparent(`00-${TRACE_ID}-${PARENT_SPAN}-00`), { traceId: TRACE_ID, traceFlags: '00' });
  });

  it('tolerates surrounding whitespace', () => {
    assert.deepEqual(parseTraceparent(`  ${VALID} `), { traceId: TRACE_ID, traceFlags: '01' });
  });

  it('uses the first value of a repeated header', () => {
    assert.deepEqual(parseTraceparent([VALID, `00-${'1'.repeat(32)}-${PARENT_SPAN}-01`]), { traceId: TRACE_ID, traceFlags: '01' });
    assert.equal(parseTraceparent(['garbage', VALID]), undefined);
    assert.equal(parseTraceparent([]), undefined);
  });

  it('accepts a future version with extra fields', () => {
    assert.deepEqual(parseTraceparent(`01-${TRACE_ID}-${PARENT_SPAN}-01-extra`), { traceId: TRACE_ID, traceFlags: '01' });
  });

  const invalid: [label: string, header: string | undefined][] = [
    ['absent', undefined],
    ['empty', ''],
    ['uppercase hex', VALID.toUpperCase()],
    ['uppercase trace id only', `00-${TRACE_ID.toUpperCase()}-${PARENT_SPAN}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${PARENT_SPAN}-01`],
    ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE_ID}-${PARENT_SPAN}-01`],
    ['too short trace id', `00-${TRACE_ID.slice(1)}-${PARENT_SPAN}-01`],
    ['too long trace id', `00-${TRACE_ID}0-${PARENT_SPAN}-01`],
    ['too short span id', `00-${TRACE_ID}-${PARENT_SPAN.slice(1)}-01`],
    ['one-digit flags', `00-${TRACE_ID}-${PARENT_SPAN}-1`],
    ['version 00 with extra fields', `${VALID}-extra`],
    ['non-hex characters', `00-${TRACE_ID.slice(0, 31)}g-${PARENT_SPAN}-01`],
    ['wrong separators', VALID.replaceAll('-', '_')],
    ['very long', `01-${TRACE_ID}-${PARENT_SPAN}-01-${'a'.repeat(600)}`],
  ];
  for (const [label, header] of invalid) {
    it(`ignores ${label}`, () => {
      assert.equal(parseTraceparent(header), undefined);
    });
  }
});

describe('traceresponse', () => {
  it('formats the W3C level 2 header', () => {
    assert.equal(traceresponse({ traceId: TRACE_ID, spanId: PARENT_SPAN, traceFlags: '01' }), VALID);
  });
});

describe('traceIdsFor', () => {
  it('without a span or header: mints fresh, well-formed ids', () => {
    const first = traceIdsFor({});
    const second = traceIdsFor({});
    assert.equal(first.source, 'minted');
    assert.match(first.traceId, /^[0-9a-f]{32}$/);
    assert.match(first.spanId, /^[0-9a-f]{16}$/);
    assert.equal(first.traceFlags, '00');
    assert.notEqual(first.traceId, second.traceId);
    assert.notEqual(first.spanId, second.spanId);
    assert.deepEqual(parseTraceparent(traceresponse(first)), { traceId: first.traceId, traceFlags: '00' });
  });

  it('with a valid traceparent: joins its trace with a span id of its own', () => {
    const ids = traceIdsFor({ traceparent: VALID });
    assert.equal(ids.source, 'traceparent');
    assert.equal(ids.traceId, TRACE_ID);
    assert.equal(ids.traceFlags, '01');
    assert.match(ids.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(ids.spanId, PARENT_SPAN, "the caller's span is the parent, not this server's span");
    assert.equal(ids.span, undefined);
  });

  it('with an invalid traceparent: mints', () => {
    const ids = traceIdsFor({ traceparent: VALID.toUpperCase() });
    assert.equal(ids.source, 'minted');
    assert.notEqual(ids.traceId, TRACE_ID.toUpperCase());
  });

  it('inside an active span: uses the span, over any traceparent', () => {
    tracer.startActiveSpan('handler', (span) => {
      try {
        const ids = traceIdsFor({ traceparent: VALID });
        const spanContext = span.spanContext();
        assert.equal(ids.source, 'span');
        assert.equal(ids.traceId, spanContext.traceId);
        assert.equal(ids.spanId, spanContext.spanId);
        assert.equal(ids.traceFlags, '01', 'the SDK samples every span by default');
        assert.equal(ids.span, span);
      } finally {
        span.end();
      }
    });
  });

  it('an active span with an invalid context is ignored', () => {
    const invalid = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    context.with(trace.setSpan(context.active(), invalid), () => {
      const ids = traceIdsFor({ traceparent: VALID });
      assert.equal(ids.source, 'traceparent');
      assert.equal(ids.traceId, TRACE_ID);
    });
  });
});
