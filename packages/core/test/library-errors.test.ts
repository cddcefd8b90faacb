import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalize } from '../src/report/normalize.js';
import { exposes, statusOf } from '../src/report/status.js';
import type { RecoverReport } from '../src/types.js';

/** An error shaped like the library's own: the same constructor name, code and status properties. */
function libraryError(type: string, message: string, props: Record<string, unknown>): Error {
  const Named = { [type]: class extends Error {} }[type] as new (message: string) => Error;
  return Object.assign(new Named(message), props);
}

const reportWith = (status: number) => ({ status }) as RecoverReport;

describe('library errors: statuses', () => {
  const cases: [label: string, thrown: unknown, status: number][] = [
    ["formidable's httpCode (koa-body)", libraryError('FormidableError', 'options.maxFileSize exceeded', { code: 1009, httpCode: 413 }), 413],
    ['status before httpCode', libraryError('Error', 'x', { status: 404, httpCode: 413 }), 404],
    ['an integer httpCode after a string status', libraryError('Error', 'x', { status: 'failed', httpCode: 400 }), 400],
    ["multer's LIMIT_FILE_SIZE (no status)", libraryError('MulterError', 'File too large', { code: 'LIMIT_FILE_SIZE', field: 'avatar' }), 413],
    ["multer's LIMIT_FILE_COUNT", libraryError('MulterError', 'Too many files', { code: 'LIMIT_FILE_COUNT' }), 413],
    ["multer's LIMIT_UNEXPECTED_FILE", libraryError('MulterError', 'Unexpected file field', { code: 'LIMIT_UNEXPECTED_FILE' }), 400],
    ["multer's STREAM_DESTROYED (not the client's fault)", libraryError('MulterError', 'File stream was destroyed', { code: 'STREAM_DESTROYED' }), 500],
    ['a LIMIT_ code from another library', libraryError('Error', 'x', { code: 'LIMIT_FILE_SIZE' }), 500],
  ];
  for (const [label, thrown, status] of cases) {
    it(`${label} → ${status}`, () => {
      assert.equal(statusOf(normalize(thrown)), status);
    });
  }

  it('reads httpCode only as a data property', () => {
    const thrown = Object.defineProperty(new Error('x'), 'httpCode', { get: () => { throw new Error('getter ran'); } });
    assert.equal(statusOf(normalize(thrown)), 500);
  });
});

describe('library errors: details shown for 4xx', () => {
  const validation = libraryError('FastifyError', "body must have required property 'name'", { code: 'FST_ERR_VALIDATION', statusCode: 400 });
  const unsupported = libraryError('FastifyError', 'Unsupported Media Type: text/csv', { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 });
  const fileTooLarge = libraryError('FastifyError', 'request file too large', { code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 });
  const fastify500 = libraryError('FastifyError', 'internal detail', { code: 'FST_ERR_SOMETHING', statusCode: 500 });
  const multer = libraryError('MulterError', 'File too large', { code: 'LIMIT_FILE_SIZE' });

  for (const [label, thrown] of [['validation', validation], ['415', unsupported], ['@fastify/multipart limit', fileTooLarge], ['multer limit', multer]] as const) {
    it(`shows the message of ${label}`, () => {
      const normalized = normalize(thrown);
      assert.equal(exposes(thrown, normalized, reportWith(statusOf(normalized)), undefined), true);
    });
  }

  it('keeps a Fastify 5xx opaque', () => {
    const normalized = normalize(fastify500);
    assert.equal(exposes(fastify500, normalized, reportWith(statusOf(normalized)), undefined), false);
  });

  it("lets the error's own expose: false and option expose decide first", () => {
    const hidden = Object.assign(libraryError('FastifyError', 'x', { code: 'FST_ERR_VALIDATION', statusCode: 400 }), { expose: false });
    assert.equal(exposes(hidden, normalize(hidden), reportWith(400), undefined), false);
    assert.equal(exposes(validation, normalize(validation), reportWith(400), () => false), false);
  });

  it("keeps formidable's message hidden (its text names the server's limits)", () => {
    const thrown = libraryError('FormidableError', 'options.maxFileSize (1024 bytes) exceeded', { code: 1009, httpCode: 413 });
    assert.equal(exposes(thrown, normalize(thrown), reportWith(413), undefined), false);
  });
});
