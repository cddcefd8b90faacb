import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { classifyError, type ErrorClass } from '@recover/core';
import { ThrownValue } from '@recover/core/adapter';

const coded = (code: string | number, message = 'failed') => Object.assign(new Error(message), { code });
const named = (name: string) => {
  // A driver's own class: the constructor's name is what a getter-named error shows without running code.
  const Class = { [name]: class extends Error {} }[name] as new (message: string) => Error;
  return new Class('failed');
};

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => { resolve(port); });
    });
  });
}

describe('classifyError: the default rules, each from its library', () => {
  const table: [string, unknown, ErrorClass][] = [
    // Node system errors of an outgoing connection
    ['ECONNREFUSED', coded('ECONNREFUSED'), 'transient'],
    ['ECONNRESET (an upstream call)', coded('ECONNRESET'), 'transient'],
    ['EPIPE (an upstream call)', coded('EPIPE'), 'transient'],
    ['ETIMEDOUT', coded('ETIMEDOUT'), 'transient'],
    ['EAI_AGAIN', coded('EAI_AGAIN'), 'transient'],
    ['EHOSTUNREACH', coded('EHOSTUNREACH'), 'transient'],
    ['ENETUNREACH', coded('ENETUNREACH'), 'transient'],
    ['ENOTFOUND is a misconfigured host, not a blip', coded('ENOTFOUND'), 'bug'],
    // undici
    ['undici ConnectTimeoutError', coded('UND_ERR_CONNECT_TIMEOUT'), 'transient'],
    ['undici HeadersTimeoutError', coded('UND_ERR_HEADERS_TIMEOUT'), 'transient'],
    ['undici BodyTimeoutError', coded('UND_ERR_BODY_TIMEOUT'), 'transient'],
    ['undici SocketError', coded('UND_ERR_SOCKET'), 'transient'],
    ['undici InvalidArgumentError', coded('UND_ERR_INVALID_ARG'), 'bug'],
    // PostgreSQL SQLSTATE (pg's DatabaseError.code)
    ['pg 08006 connection_failure', coded('08006'), 'transient'],
    ['pg 08P01 protocol_violation (class 08)', coded('08P01'), 'transient'],
    ['pg 53300 too_many_connections', coded('53300'), 'transient'],
    ['pg 57P01 admin_shutdown', coded('57P01'), 'transient'],
    ['pg 40001 serialization_failure', coded('40001'), 'transient'],
    ['pg 40P01 deadlock_detected', coded('40P01'), 'transient'],
    ['pg 23505 unique_violation', coded('23505'), 'bug'],
    ['pg 42P01 undefined_table', coded('42P01'), 'bug'],
    // MySQL, MariaDB
    ['mysql PROTOCOL_CONNECTION_LOST', coded('PROTOCOL_CONNECTION_LOST'), 'transient'],
    ['mysql ER_LOCK_DEADLOCK', Object.assign(coded('ER_LOCK_DEADLOCK'), { errno: 1213 }), 'transient'],
    ['mysql ER_LOCK_WAIT_TIMEOUT', coded('ER_LOCK_WAIT_TIMEOUT'), 'transient'],
    ['mariadb ER_SOCKET_UNEXPECTED_CLOSE', coded('ER_SOCKET_UNEXPECTED_CLOSE'), 'transient'],
    ['mysql ER_DUP_ENTRY', coded('ER_DUP_ENTRY'), 'bug'],
    // MongoDB, by class name
    ['MongoNetworkError', named('MongoNetworkError'), 'transient'],
    ['MongoServerSelectionError', named('MongoServerSelectionError'), 'transient'],
    ['MongoServerError (a duplicate key)', named('MongoServerError'), 'bug'],
    ['an error named MongoNetworkTimeoutError by its name property', Object.assign(new Error('x'), { name: 'MongoNetworkTimeoutError' }), 'transient'],
    // The error's own word
    ['transient: true', Object.assign(new Error('x'), { transient: true }), 'transient'],
    ['retryable: true', Object.assign(new Error('x'), { retryable: true }), 'transient'],
    ["transient: 'yes' is not true", Object.assign(new Error('x'), { transient: 'yes' }), 'bug'],
    ['corruption: true', Object.assign(new Error('x'), { corruption: true }), 'corruption'],
    ['ERR_INTERNAL_ASSERTION', coded('ERR_INTERNAL_ASSERTION'), 'corruption'],
    ['EMFILE', coded('EMFILE'), 'corruption'],
    ['ENFILE', coded('ENFILE'), 'corruption'],
    // What a client can cause with crafted input alone is never corruption
    ['a stack overflow', new RangeError('Maximum call stack size exceeded'), 'bug'],
    ['ERR_STRING_TOO_LONG', coded('ERR_STRING_TOO_LONG'), 'bug'],
    ['a JSON parse error', new SyntaxError('Unexpected token'), 'bug'],
    // Values that are not errors
    ['null', null, 'bug'],
    ['a string', 'ECONNREFUSED', 'bug'],
    ['a plain object with a code', { code: 'ECONNREFUSED' }, 'transient'],
    ['a boxed falsy throw', new ThrownValue(undefined), 'bug'],
  ];
  for (const [name, thrown, expected] of table) {
    it(`${name}: ${expected}`, () => {
      assert.equal(classifyError(thrown), expected);
    });
  }
});

describe('classifyError: chains', () => {
  it('follows cause: a wrapper around ECONNREFUSED (undici\'s "fetch failed") is transient', () => {
    assert.equal(classifyError(new TypeError('fetch failed', { cause: coded('ECONNREFUSED') })), 'transient');
    assert.equal(classifyError(new Error('query failed', { cause: { code: 'ECONNREFUSED' } })), 'transient');
    assert.equal(classifyError(new Error('a', { cause: new Error('b', { cause: new Error('c', { cause: coded('57P01') }) }) })), 'transient');
  });

  it('an AggregateError is transient when every error is (happy eyeballs: ::1 and 127.0.0.1 both refused)', () => {
    assert.equal(classifyError(new AggregateError([coded('ECONNREFUSED'), coded('ETIMEDOUT')])), 'transient');
    assert.equal(classifyError(new AggregateError([coded('ECONNREFUSED'), new TypeError('x is undefined')])), 'bug', 'one bug among them: a human must look');
    assert.equal(classifyError(new AggregateError([])), 'bug');
  });

  it('corruption anywhere in the chain wins', () => {
    assert.equal(classifyError(new Error('wrapped', { cause: coded('EMFILE') })), 'corruption');
    assert.equal(classifyError(Object.assign(coded('ECONNREFUSED'), { cause: { corruption: true } })), 'corruption');
    assert.equal(classifyError(new AggregateError([coded('ECONNREFUSED'), Object.assign(new Error('x'), { corruption: true })])), 'corruption');
  });

  it('a circular cause chain ends', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    assert.equal(classifyError(a), 'bug');
  });

  it('runs no code of the thrown value: getters, Proxy traps', () => {
    let ran = 0;
    const getters = Object.defineProperties(new Error('x'), {
      code: { get() { ran++; return 'ECONNREFUSED'; } },
      transient: { get() { ran++; return true; } },
      cause: { get() { ran++; return coded('EMFILE'); } },
    });
    assert.equal(classifyError(getters), 'bug');
    const proxy = new Proxy({}, { get() { ran++; return 'ECONNREFUSED'; }, getOwnPropertyDescriptor() { ran++; return undefined; } });
    assert.equal(classifyError(proxy), 'bug');
    assert.equal(classifyError(new Error('wrapped', { cause: proxy })), 'bug');
    assert.equal(ran, 0);
  });
});

describe('classifyError: the real thing', () => {
  it("fetch to a closed loopback port (undici's fetch failed, ECONNREFUSED in cause)", async () => {
    const port = await closedPort();
    const failure = await fetch(`http://127.0.0.1:${port}/`).then(() => undefined, (error: unknown) => error);
    assert.ok(failure instanceof TypeError);
    assert.equal(classifyError(failure), 'transient');
  });

  it('the TimeoutError of AbortSignal.timeout', async () => {
    const signal = AbortSignal.timeout(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(classifyError(signal.reason), 'transient');
    assert.equal(classifyError(new DOMException('aborted', 'AbortError')), 'bug', 'an abort is someone deciding, not a blip');
  });
});
