import type { ErrorResponse } from '../internal-types.js';
import { logRecord, writeStderr } from '../logging/write.js';
import type { RecoverReport } from '../types.js';

const BODY = '{"type":"about:blank","title":"Internal Server Error","status":500}';

/** Reached only if recover's own code fails: a bare 500, and a stderr line that says so. */
export function lastResort(report: RecoverReport | undefined, thrown: unknown, failure: unknown): ErrorResponse {
  const record = report ? logRecord(report) : { err: { type: typeof thrown, message: 'unreported error' } };
  writeStderr('error', record, 'recover: reporting failed', failure);
  return {
    status: 500,
    headers: {
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': String(BODY.length),
      'cache-control': 'no-store',
    },
    body: BODY,
  };
}
