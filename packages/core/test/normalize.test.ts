import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import vm from 'node:vm';
import createError from 'http-errors';
import type { SerializedError } from '@recover/core';
import { ThrownValue } from '@recover/core/adapter';
import { normalize, truncateBytes } from '../src/report/normalize.js';
import { statusOf } from '../src/report/status.js';

/** Follows `cause` links and returns how many there are and the last error reached. */
function causeChain(error: SerializedError): { depth: number; last: SerializedError } {
  let last = error;
  let depth = 0;
  while (last.cause) {
    last = last.cause;
    depth++;
  }
  return { depth, last };
}

describe('normalize: Error values', () => {
  it('keeps the constructor name of an Error subclass as type, with message and stack', () => {
    class PaymentDeclined extends Error {}
    const thrown = new PaymentDeclined('card expired');
    const { error } = normalize(thrown);
    assert.equal(error.type, 'PaymentDeclined');
    assert.equal(error.message, 'card expired');
    assert.equal(error.stack, thrown.stack);
  });

  it('reports built-in error classes by their own names', () => {
    assert.equal(normalize(new TypeError('t')).error.type, 'TypeError');
    assert.equal(normalize(new RangeError('r')).error.type, 'RangeError');
    assert.equal(normalize(new SyntaxError('s')).error.type, 'SyntaxError');
  });

  it('keeps a string or numeric `code` as a string', () => {
    const withCode = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    assert.equal(normalize(withCode).error.code, 'ECONNREFUSED');
    const numeric = Object.assign(new Error('sql'), { code: 1205 });
    assert.equal(normalize(numeric).error.code, '1205');
  });

  it('reads an error from another realm (vm context) as an error', () => {
    const thrown: unknown = vm.runInNewContext('new TypeError("x")');
    assert.equal(thrown instanceof Error, false, 'precondition: it is not an Error of this realm');
    const { error } = normalize(thrown);
    assert.equal(error.type, 'TypeError');
    assert.equal(error.message, 'x');
    assert.equal(typeof error.stack, 'string');
  });

  it('keeps the class name of a subclass defined in another realm', () => {
    const thrown: unknown = vm.runInNewContext('class QuotaExceeded extends Error {}; new QuotaExceeded("over")');
    const { error } = normalize(thrown);
    assert.equal(error.type, 'QuotaExceeded');
    assert.equal(error.message, 'over');
  });

  it('bounds a 1 MB message to a few KB and says how much was cut', () => {
    const huge = 'a'.repeat(1024 * 1024);
    const { error } = normalize(new Error(huge));
    assert.ok(error.message.length < 10 * 1024, `message is ${error.message.length} chars`);
    assert.ok(error.message.startsWith('aaaa'));
    assert.match(error.message, /more chars\]$/);
  });

  it('bounds a thrown 1 MB string the same way', () => {
    const { error } = normalize('b'.repeat(1024 * 1024));
    assert.equal(error.type, 'string');
    assert.ok(error.message.length < 10 * 1024);
  });
});

describe('normalize: non-error values', () => {
  const cases: [label: string, thrown: unknown, type: string, message: string][] = [
    ['null', null, 'null', 'non-error thrown: null'],
    ['undefined', undefined, 'undefined', 'non-error thrown: undefined'],
    ['a string', 'plain failure', 'string', 'plain failure'],
    ['an empty string', '', 'string', ''],
    ['a number', 42, 'number', 'non-error thrown: 42'],
    ['NaN', Number.NaN, 'number', 'non-error thrown: NaN'],
    ['a bigint', 10n ** 20n, 'bigint', 'non-error thrown: 100000000000000000000'],
    ['a symbol', Symbol('token'), 'symbol', 'non-error thrown: Symbol(token)'],
    ['false', false, 'boolean', 'non-error thrown: false'],
    ['true', true, 'boolean', 'non-error thrown: true'],
    ['a plain object', { reason: 'nope', retry: 3 }, 'Object', 'non-error thrown: {"reason":"nope","retry":3}'],
    ['an array', [1, 'two'], 'Array', 'non-error thrown: [1,"two"]'],
  ];
  for (const [label, thrown, type, message] of cases) {
    it(`reports ${label} as type ${type}`, () => {
      const normalized = normalize(thrown);
      assert.deepEqual({ type: normalized.error.type, message: normalized.error.message }, { type, message });
      assert.equal(normalized.error.stack, undefined);
      assert.equal(statusOf(normalized), 500);
    });
  }

  it('reports a function without calling it or reading its source', () => {
    let calls = 0;
    const thrown = () => {
      calls++;
    };
    thrown.toString = () => {
      calls++;
      return 'source';
    };
    const { error } = normalize(thrown);
    assert.deepEqual({ type: error.type, message: error.message }, { type: 'function', message: 'non-error thrown: [Function]' });
    assert.equal(calls, 0);
  });

  it('reports an Object.create(null) object (no prototype, no toString)', () => {
    const thrown = Object.assign(Object.create(null) as Record<string, unknown>, { reason: 'bare' });
    const { error } = normalize(thrown);
    assert.equal(error.type, 'Object');
    assert.equal(error.message, 'non-error thrown: {"reason":"bare"}');
  });

  it('marks a circular object instead of recursing', () => {
    const thrown: Record<string, unknown> = { id: 7 };
    thrown.self = thrown;
    const { error } = normalize(thrown);
    assert.equal(error.message, 'non-error thrown: {"id":7,"self":[Circular]}');
  });

  it('shows a nested Proxy in a preview as [Proxy] without touching it', () => {
    let traps = 0;
    const proxy = new Proxy({}, { ownKeys: () => (traps++, []), get: () => traps++ });
    const { error } = normalize({ inner: proxy });
    assert.equal(error.message, 'non-error thrown: {"inner":[Proxy]}');
    assert.equal(traps, 0);
  });
});

describe('normalize: ThrownValue boxes a falsy throw', () => {
  for (const value of [null, undefined, '', 0, false]) {
    it(`reports the boxed ${String(value) || "''"} as the value itself`, () => {
      assert.deepEqual(normalize(new ThrownValue(value)), normalize(value));
    });
  }

  it('is an Error whose message does not claim a real error', () => {
    const boxed = new ThrownValue(null);
    assert.ok(boxed instanceof Error);
    assert.equal(boxed.value, null);
    assert.notEqual(normalize(boxed).error.type, 'ThrownValue');
  });
});

describe('normalize: never runs user code', () => {
  it('does not run getters, toString, toJSON, valueOf or Symbol.toPrimitive of a thrown object', () => {
    let calls = 0;
    const thrown = {
      get message(): string {
        calls++;
        throw new Error('getter ran');
      },
      get status(): number {
        calls++;
        return 404;
      },
      toString(): string {
        calls++;
        throw new Error('toString ran');
      },
      toJSON(): unknown {
        calls++;
        throw new Error('toJSON ran');
      },
      valueOf(): number {
        calls++;
        return 1;
      },
      [Symbol.toPrimitive](): string {
        calls++;
        return 'p';
      },
    };
    const normalized = normalize(thrown);
    assert.equal(calls, 0);
    assert.equal(normalized.error.type, 'Object');
    assert.match(normalized.error.message, /"message":\[Getter\]/);
    assert.equal(statusOf(normalized), 500, 'a status behind a getter is not read');
  });

  it('does not run accessors an Error subclass defines for code, cause, status, expose, headers or errors', () => {
    let calls = 0;
    class Sneaky extends Error {
      get code(): string {
        calls++;
        return 'E_GETTER';
      }
      get status(): number {
        calls++;
        return 418;
      }
      get expose(): boolean {
        calls++;
        return true;
      }
      get headers(): Record<string, string> {
        calls++;
        return { 'x-from-getter': '1' };
      }
      get errors(): unknown[] {
        calls++;
        return [new Error('from getter')];
      }
    }
    const thrown = new Sneaky('visible');
    Object.defineProperty(thrown, 'cause', {
      get() {
        calls++;
        return new Error('cause getter');
      },
    });
    const normalized = normalize(thrown);
    assert.equal(calls, 0);
    assert.equal(normalized.error.type, 'Sneaky');
    assert.equal(normalized.error.message, 'visible');
    assert.equal(normalized.error.code, undefined);
    assert.equal(normalized.error.cause, undefined);
    assert.equal(normalized.error.aggregateErrors, undefined);
    assert.equal(normalized.expose, undefined);
    assert.equal(normalized.headers, undefined);
    assert.equal(statusOf(normalized), 500);
  });

  it('survives an Error subclass whose message getter throws', () => {
    class Throwing extends Error {
      override get message(): string {
        throw new Error('message getter');
      }
    }
    const normalized = normalize(new Throwing());
    assert.equal(normalized.error.type, 'Throwing');
    assert.equal(normalized.error.message, '', 'an accessor message is not read');
  });

  it('does not run a getter on `constructor` or `name`', () => {
    let calls = 0;
    const thrown = Object.create(Error.prototype, {
      constructor: { get: () => (calls++, Error) },
      name: { get: () => (calls++, 'Evil') },
      message: { value: 'still readable' },
    }) as Error;
    const { error } = normalize(thrown);
    assert.equal(calls, 0);
    assert.equal(error.message, 'still readable');
  });

  it('reports a Proxy around an Error without running any trap, even traps that throw', () => {
    let traps = 0;
    const trap = (): never => {
      traps++;
      throw new Error('trap ran');
    };
    const thrown = new Proxy(new Error('hidden'), {
      get: trap,
      has: trap,
      ownKeys: trap,
      getOwnPropertyDescriptor: trap,
      getPrototypeOf: trap,
    });
    const normalized = normalize(thrown);
    assert.equal(traps, 0);
    assert.deepEqual(normalized.error, { type: 'Proxy', message: 'non-error thrown: Proxy' });
    assert.equal(statusOf(normalized), 500);
  });

  it('reports a revoked Proxy (every operation on it throws)', () => {
    const { proxy, revoke } = Proxy.revocable(new Error('gone'), {});
    revoke();
    assert.throws(() => Object.keys(proxy), TypeError, 'precondition: the proxy is revoked');
    assert.deepEqual(normalize(proxy).error, { type: 'Proxy', message: 'non-error thrown: Proxy' });
  });

  it('reports a Proxy used as a cause without running its traps', () => {
    let traps = 0;
    const cause = new Proxy({}, { getPrototypeOf: () => (traps++, null), get: () => traps++ });
    const { error } = normalize(new Error('outer', { cause }));
    assert.equal(traps, 0);
    assert.equal(error.cause?.type, 'Proxy');
  });

  it('reads an object whose prototype is a Proxy without running its traps: the walk up the chain stops there', () => {
    let traps = 0;
    const count = () => { traps++; return undefined; };
    const proto = new Proxy(Object.create(Error.prototype) as object, { getOwnPropertyDescriptor: count, has: () => (traps++, false), get: count, getPrototypeOf: () => (traps++, null) });
    const thrown = Object.create(proto) as object;
    Object.defineProperties(thrown, { message: { value: 'made on a Proxy prototype' }, status: { value: 418 } });
    const normalized = normalize(thrown);
    assert.equal(traps, 0);
    assert.equal(normalized.error.message, 'made on a Proxy prototype');
    assert.equal(normalized.status, 418, 'own data properties are still read');
  });
});

describe('normalize: causes and aggregates', () => {
  it('follows a cause chain', () => {
    const root = new RangeError('socket closed');
    const { error } = normalize(new Error('query failed', { cause: new TypeError('driver failed', { cause: root }) }));
    assert.equal(error.cause?.type, 'TypeError');
    assert.equal(error.cause.message, 'driver failed');
    assert.equal(error.cause.cause?.type, 'RangeError');
    assert.equal(error.cause.cause.message, 'socket closed');
  });

  it('reports a non-error cause', () => {
    const { error } = normalize(new Error('wrapped', { cause: 'timeout after 5s' }));
    assert.deepEqual(error.cause, { type: 'string', message: 'timeout after 5s' });
    const withNull = normalize(new Error('wrapped', { cause: null })).error;
    assert.equal(withNull.cause?.type, 'null', 'an explicit `cause: null` is still reported');
  });

  it('has no cause when none was given', () => {
    assert.equal(normalize(new Error('alone')).error.cause, undefined);
  });

  it('stops at a cause cycle', () => {
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    first.cause = second;
    const { error } = normalize(first);
    assert.equal(error.cause?.message, 'second');
    assert.deepEqual(error.cause.cause, { type: 'Circular', message: '[Circular]' });
  });

  it('bounds a deep cause chain', () => {
    let thrown = new Error('root');
    for (let i = 0; i < 10_000; i++) thrown = new Error(`level ${i}`, { cause: thrown });
    const { error } = normalize(thrown);
    const { depth } = causeChain(error);
    assert.ok(depth >= 1 && depth <= 16, `followed ${depth} causes`);
    assert.ok(JSON.stringify(error).length < 64 * 1024);
  });

  it('reports the errors of an AggregateError', () => {
    const thrown = new AggregateError([new TypeError('first'), 'second', null], 'all failed');
    const { error } = normalize(thrown);
    assert.equal(error.type, 'AggregateError');
    assert.equal(error.message, 'all failed');
    assert.deepEqual(
      error.aggregateErrors?.map((inner) => [inner.type, inner.message]),
      [
        ['TypeError', 'first'],
        ['string', 'second'],
        ['null', 'non-error thrown: null'],
      ],
    );
  });

  it('bounds a huge AggregateError', () => {
    const errors = Array.from({ length: 10_000 }, (_, i) => new Error(`e${i}`));
    const { error } = normalize(new AggregateError(errors, 'many'));
    assert.ok(error.aggregateErrors !== undefined);
    assert.ok(error.aggregateErrors.length > 0 && error.aggregateErrors.length < 100);
  });

  it('marks an AggregateError that contains itself', () => {
    const thrown = new AggregateError([], 'self');
    Object.defineProperty(thrown, 'errors', { value: [thrown] });
    assert.deepEqual(normalize(thrown).error.aggregateErrors, [{ type: 'Circular', message: '[Circular]' }]);
  });
});

/** A truncated stack: the text kept, and the number of bytes the marker says were cut. */
function splitMarker(stack: string): { kept: string; dropped: number | undefined } {
  const match = /\n {4}…\[truncated (\d+) bytes\]$/.exec(stack);
  return match?.[1] === undefined ? { kept: stack, dropped: undefined } : { kept: stack.slice(0, match.index), dropped: Number(match[1]) };
}

describe('normalize: stack accessors', () => {
  it("reads V8's own stack on every Node version (a data property on 20, a built-in accessor from 21)", () => {
    const thrown = new Error('where');
    assert.match(normalize(thrown).error.stack ?? '', /^Error: where\n {4}at /);
  });

  it('never calls a stack getter an object defines itself, nor a bound function posing as one', () => {
    let ran = 0;
    const getter = () => {
      ran += 1;
      return 'forged stack';
    };
    const own = new Error('own getter');
    Object.defineProperty(own, 'stack', { get: getter });
    const bound = new Error('bound getter');
    Object.defineProperty(bound, 'stack', { get: getter.bind(null) });
    assert.equal(normalize(own).error.stack, undefined);
    assert.equal(normalize(bound).error.stack, undefined);
    assert.equal(ran, 0);
  });
});

describe('normalize: stack size', () => {
  it('keeps a long stack within stackSize bytes, marker included, and the marker counts the bytes cut', () => {
    const thrown = new Error('long');
    thrown.stack = `Error: long\n${'    at frame (file.js:1:1)\n'.repeat(1000)}`;
    const stack = normalize(thrown, 1000).error.stack ?? '';
    assert.ok(Buffer.byteLength(stack) <= 1000, `${Buffer.byteLength(stack)} bytes logged for stackSize 1000`);
    const { kept, dropped } = splitMarker(stack);
    assert.ok(kept.length > 900, 'most of the budget holds stack text, not the marker');
    assert.ok(thrown.stack.startsWith(kept), 'the kept part is the top of the stack');
    assert.equal(Buffer.byteLength(kept) + (dropped ?? 0), Buffer.byteLength(thrown.stack));
  });

  it('keeps a short stack untouched', () => {
    const thrown = new Error('short');
    assert.equal(normalize(thrown, 4096).error.stack, thrown.stack);
  });

  it('cuts multi-byte characters on a character boundary: within budget, no U+FFFD, honest count', () => {
    for (const char of ['é', '€', '😀']) {
      for (let size = 60; size < 70; size++) {
        const thrown = new Error('unicode');
        thrown.stack = char.repeat(200);
        const stack = normalize(thrown, size).error.stack ?? '';
        const { kept, dropped } = splitMarker(stack);
        assert.ok(!stack.includes('\uFFFD'), `U+FFFD with ${char} at ${size} bytes`);
        assert.ok(Buffer.byteLength(stack) <= size, `${Buffer.byteLength(stack)} bytes > ${size} with ${char}`);
        assert.ok(kept.length > 0, 'some stack text is kept');
        assert.equal(kept, char.repeat(kept.length / char.length), 'whole characters only');
        assert.equal(Buffer.byteLength(kept) + (dropped ?? 0), Buffer.byteLength(thrown.stack), 'the marker counts the bytes cut');
      }
    }
  });

  it('truncateBytes: the marker counts the bytes really cut when the cut falls inside a character', () => {
    const text = 'x'.repeat(100) + '😀'.repeat(100); // 500 bytes
    const out = truncateBytes(text, 240);
    const { kept, dropped } = splitMarker(out);
    assert.ok(Buffer.byteLength(out) <= 240);
    assert.equal(Buffer.byteLength(kept) % 4, 0, 'no partial emoji');
    assert.equal(Buffer.byteLength(kept) + (dropped ?? 0), 500);
  });

  it('truncateBytes: a budget too small for the marker still holds, with no marker', () => {
    const out = truncateBytes('€'.repeat(100), 10);
    assert.equal(out, '€€€');
  });

  it('logs no stack at stackSize 0', () => {
    assert.equal(normalize(new Error('none'), 0).error.stack, undefined);
  });

  it('reports a DOMException by its name and message (built-in getters)', () => {
    const { error } = normalize(new DOMException('The operation timed out.', 'TimeoutError'));
    assert.equal(error.type, 'TimeoutError');
    assert.equal(error.message, 'The operation timed out.');
    assert.match(error.stack ?? '', /TimeoutError/);
  });
});

describe('normalize: status, expose and headers', () => {
  const statuses: [label: string, thrown: unknown, status: number][] = [
    ['status 404', Object.assign(new Error('x'), { status: 404 }), 404],
    ['statusCode 503', Object.assign(new Error('x'), { statusCode: 503 }), 503],
    ['status 400 (lowest error status)', { status: 400, message: 'x' }, 400],
    ['status 599 (highest error status)', { status: 599, message: 'x' }, 599],
    ['status 399', Object.assign(new Error('x'), { status: 399 }), 500],
    ['status 302 (a redirect is not an error)', Object.assign(new Error('x'), { status: 302 }), 500],
    ['status 200', Object.assign(new Error('x'), { status: 200 }), 500],
    ['status 600', Object.assign(new Error('x'), { status: 600 }), 500],
    ['status 404.5', Object.assign(new Error('x'), { status: 404.5 }), 500],
    ['status "404" (a string)', Object.assign(new Error('x'), { status: '404' }), 500],
    ['status NaN', Object.assign(new Error('x'), { status: Number.NaN }), 500],
    ['no status', new Error('x'), 500],
  ];
  for (const [label, thrown, status] of statuses) {
    it(`answers ${status} for ${label}`, () => {
      assert.equal(statusOf(normalize(thrown)), status);
    });
  }

  it('reads status, expose and headers from http-errors', () => {
    const normalized = normalize(createError(401, 'log in first', { headers: { 'WWW-Authenticate': 'Basic realm="api"' } }));
    assert.equal(statusOf(normalized), 401);
    assert.equal(normalized.expose, true);
    assert.deepEqual(normalized.headers, { 'WWW-Authenticate': 'Basic realm="api"' });
    assert.equal(normalized.error.type, 'UnauthorizedError');
  });

  it('reads expose false from an http-errors 5xx', () => {
    assert.equal(normalize(createError(503, 'db down')).expose, false);
  });

  it('keeps only string and number header values', () => {
    const thrown = Object.assign(new Error('x'), { headers: { 'Retry-After': 30, 'X-Ok': 'yes', 'X-Obj': { a: 1 }, 'X-Fn': () => 'no' } });
    assert.deepEqual(normalize(thrown).headers, { 'Retry-After': '30', 'X-Ok': 'yes' });
  });

  it('ignores a non-boolean expose', () => {
    assert.equal(normalize(Object.assign(new Error('x'), { status: 400, expose: 'yes' })).expose, undefined);
  });
});
