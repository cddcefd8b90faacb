import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { LogCapture } from './capture.js';

/** A request body a framework's own parser refuses, and the status it must answer. */
export interface MalformedBody {
  name: string;
  contentType: string;
  body: string;
  status: number;
}

/**
 * What every JSON body parser refuses, set up with a 1 KB limit: invalid JSON (carrying a card number,
 * which parsers attach to the error as `body`) and a body over the limit.
 */
export const MALFORMED_JSON: MalformedBody[] = [
  { name: 'invalid JSON', contentType: 'application/json', body: '{"card": "4111 1111 1111 1111",', status: 400 },
  { name: 'a body over the limit', contentType: 'application/json', body: JSON.stringify({ pad: 'x'.repeat(4096) }), status: 413 },
];

/**
 * POSTs `malformed` to `url`: the answer is its 4xx as problem+json without a stack frame, and the one
 * report line is at info (a client mistake, not an error) with no part of the body in it.
 */
export async function assertRefused(url: string, capture: LogCapture, malformed: MalformedBody): Promise<void> {
  const requestId = randomUUID();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': malformed.contentType, 'x-request-id': requestId },
    body: malformed.body,
  });
  assert.equal(response.status, malformed.status);
  assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.doesNotMatch(await response.text(), /\bat .+:\d+:\d+/);
  const line = capture.onlyReportFor(requestId);
  assert.equal(line.level, 30, 'a client mistake is info, not error');
  assert.doesNotMatch(JSON.stringify(line), /4111 1111/, 'the body the parser attached to the error is not logged');
}
