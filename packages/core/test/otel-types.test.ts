import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as api from '@opentelemetry/api';
import type { OtelApi, Span } from '../src/telemetry/otel.js';

// Core types `@opentelemetry/api` by the shape it uses, so its declarations never name the optional peer.
// These assignments fail `npm run typecheck` if the real API stops fitting that shape.
const realApi: OtelApi = api;
const realSpan: Span | undefined = api.trace.getActiveSpan();

describe('@opentelemetry/api, an optional peer', () => {
  it('the real API fits the shape core uses', () => {
    assert.equal(realApi.SpanStatusCode.ERROR, api.SpanStatusCode.ERROR);
    assert.equal(realSpan, undefined, 'no span is active here');
  });

  it('no emitted declaration file names @opentelemetry/api', () => {
    const dist = new URL('../dist/', import.meta.url);
    const declarations = readdirSync(dist).filter((name) => /\.d\.c?ts$/.test(name));
    assert.ok(declarations.length > 0, 'the package is built');
    for (const name of declarations) {
      assert.doesNotMatch(readFileSync(new URL(name, dist), 'utf8'), /@opentelemetry\/api/, name);
    }
  });
});
